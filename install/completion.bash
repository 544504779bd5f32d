# bash completion for changeguard and changelog-audit.
# Installed as share/bash-completion/completions/{changeguard,changelog-audit}.

_changeguard_revs()
{
	local refs
	refs=$(git for-each-ref --format='%(refname:short)' 2>/dev/null)
	local cur=$1 prefix=
	case $cur in
	*...*) prefix=${cur%...*}...; cur=${cur##*...} ;;
	*..*) prefix=${cur%..*}..; cur=${cur##*..} ;;
	esac
	COMPREPLY=($(compgen -P "$prefix" -W "HEAD $refs" -- "$cur"))
}

_changeguard()
{
	local cur prev cmd sub
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	sub=${COMP_WORDS[2]}

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "install uninstall init entry check approve policy doctor help --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
	--dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--policy|--message|--key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--commit) _changeguard_revs "$cur"; return ;;
	esac
	case $cmd in
	install) COMPREPLY=($(compgen -W "--server --help" -- "$cur")) ;;
	uninstall|doctor) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
	init)
		case $cur in
		-*) COMPREPLY=($(compgen -W "--every-directory --help" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -d -- "$cur")) ;;
		esac ;;
	entry) COMPREPLY=($(compgen -W "--dir --force --help" -- "$cur")) ;;
	approve) COMPREPLY=($(compgen -W "--commit --key --help" -- "$cur")) ;;
	check)
		case $cur in
		-*) COMPREPLY=($(compgen -W "--staged --message --format --policy --all --help" -- "$cur")) ;;
		*) _changeguard_revs "$cur" ;;
		esac ;;
	policy)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "show validate --help" -- "$cur"))
		elif [ "$sub" = validate ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	help) COMPREPLY=($(compgen -W "install uninstall init entry check approve policy doctor" -- "$cur")) ;;
	esac
}

_changelog_audit()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	--format) COMPREPLY=($(compgen -W "text json csv markdown html" -- "$cur")); return ;;
	--verdict) COMPREPLY=($(compgen -W "allowed blocked waived error" -- "$cur")); return ;;
	--hook) COMPREPLY=($(compgen -W "pre-commit prepare-commit-msg commit-msg pre-receive" -- "$cur")); return ;;
	--rule) COMPREPLY=($(compgen -W "changelog protect:mcp protect:policy forbid:path forbid:duplicate" -- "$cur")); return ;;
	--db|--output|--witness) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--since|--until|--author|--ref|--limit) return ;;
	esac
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "report history verify export coverage --help --version" -- "$cur"))
	elif [ "${COMP_WORDS[1]}" = coverage ]; then
		case $cur in
		-*) COMPREPLY=($(compgen -W "--format --output --help" -- "$cur")) ;;
		*) _changeguard_revs "$cur" ;;
		esac
	elif [ "${COMP_WORDS[1]}" = history ] && [ "${cur#-}" = "$cur" ]; then
		_changeguard_revs "$cur"
	else
		COMPREPLY=($(compgen -W "--db --format --output --since --until --hook --verdict --rule --author --ref --limit --witness --help" -- "$cur"))
	fi
}

complete -F _changeguard changeguard
complete -F _changelog_audit changelog-audit
