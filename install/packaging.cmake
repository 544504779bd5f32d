# install/packaging.cmake: what `cmake --install` puts beside the executables
# (man pages, bash completion, docs) and the Debian package CPack makes of it.
# Included from the top-level CMakeLists.txt after the targets are defined.

set(CG_INSTALL_SRC ${CMAKE_CURRENT_LIST_DIR})

install(FILES ${CG_INSTALL_SRC}/man/changeguard.1 ${CG_INSTALL_SRC}/man/changelog-audit.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CG_INSTALL_SRC}/man/changeguard.yml.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
# bash-completion loads completions/<command> on first use: one script
# serves both commands.
foreach(cmd changeguard changelog-audit)
  install(FILES ${CG_INSTALL_SRC}/completion.bash
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${cmd})
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/CHANGELOG.md
              ${CMAKE_SOURCE_DIR}/docs/cli.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME changeguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "git hooks enforcing dated CHANGELOG entries and sign-off for MCP and other config")
set(CPACK_PACKAGE_DESCRIPTION
    "changeguard's hooks refuse commits and pushes whose change lacks a dated CHANGELOG\n\
entry or touches protected configuration (MCP server configs first of all)\n\
without a sign-off trailer, and record every decision in a hash-chained\n\
SQLite audit database; changelog-audit reports on it.")
if(NOT CPACK_PACKAGE_CONTACT)
  set(CPACK_PACKAGE_CONTACT "changeguard maintainers <changeguard@localhost>")
endif()
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION vcs)
# The hooks are run by git; the libraries come from dpkg-shlibdeps when it is
# there (dpkg-dev), else from bookworm's names. libgit2's runtime is the one
# they were built against, which Debian names after its soname (libgit2-1.5,
# libgit2-1.8, libgit2-1.9); dpkg-shlibdeps names only libraries that dpkg
# installed, not one in a private prefix (install/libgit2-prefix.sh).
string(REGEX MATCH "^[0-9]+\\.[0-9]+" CG_LIBGIT2_SOVERSION "${LIBGIT2_VERSION}")
set(CG_LIBGIT2_DEPENDS "libgit2-${CG_LIBGIT2_SOVERSION} (>= ${LIBGIT2_VERSION})")
# json-c is loaded when a commit first changes an MCP configuration
# (lib/mcpconfig.c), so dpkg-shlibdeps does not see it: it is named here
# (0.15 for json_tokener_get_parse_end).
set(CG_JSONC_DEPENDS "libjson-c5 (>= 0.15)")
# SQLite too is loaded when a run first opens the audit (lib/audit.c), so
# it is named here (3.24 for the upserts of the report tables).
set(CG_SQLITE_DEPENDS "libsqlite3-0 (>= 3.24)")
find_program(CG_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(CG_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "git, ${CG_JSONC_DEPENDS}, ${CG_SQLITE_DEPENDS}")
  execute_process(COMMAND dpkg-query -S ${LIBGIT2_LIBDIR}/libgit2.so.${CG_LIBGIT2_SOVERSION}
                  RESULT_VARIABLE CG_LIBGIT2_UNPACKAGED OUTPUT_QUIET ERROR_QUIET)
  if(CG_LIBGIT2_UNPACKAGED)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ${CG_LIBGIT2_DEPENDS}")
  endif()
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "git, ${CG_LIBGIT2_DEPENDS}, ${CG_JSONC_DEPENDS}, ${CG_SQLITE_DEPENDS}, libpcre2-8-0, libyaml-0-2, libssl3")
endif()
# audit.url (PostgreSQL) loads libpq when it is set, so it is recommended,
# not required; version 14 or later, for its pipeline mode.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5 (>= 14)")
include(CPack)
