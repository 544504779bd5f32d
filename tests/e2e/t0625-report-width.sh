#!/bin/sh
test_description='the HTML reports read without horizontal scrolling at 1280 and 1920 px, in a real browser'
. "$CG_SOURCE_DIR/tests/e2e/test-lib.sh"

CHROMIUM=/usr/bin/chromium
if ! [ -x "$CHROMIUM" ]; then
	test_skip 'the reports fit the window in Chromium' "no $CHROMIUM (the Debian package chromium)"
	test_done
fi

# Appended to a copy of a report: measures every table against the window
# and its section once the page is laid out, and writes what it found.
cat >"$TRASH_DIRECTORY/measure.html" <<\EOF
<script>
(function(){
var de=document.documentElement,bad=[];
if (de.scrollWidth>de.clientWidth) bad.push('page '+de.scrollWidth+'>'+de.clientWidth);
document.querySelectorAll('table').forEach(function(t){
var right=Math.ceil(t.getBoundingClientRect().right),box=t.parentElement.clientWidth;
if (right>de.clientWidth||t.scrollWidth>box) bad.push(t.id+' '+t.scrollWidth+'>'+box);});
var p=document.createElement('pre');p.id='width-check';
p.textContent='viewport '+window.innerWidth+': '+(bad.length?bad.join('; '):'fits');
document.body.appendChild(p);})();
</script>
EOF

# fits REPORT WIDTH: the report, in a window WIDTH px wide, has no table
# wider than the window; what overflowed is in $TRASH_DIRECTORY/width.
fits() {
	sed "/<\/body>/r $TRASH_DIRECTORY/measure.html" "$1" >"$1.measured.html" &&
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --hide-scrollbars \
		--user-data-dir="$(mktemp -d "$TRASH_DIRECTORY/chromium.XXXXXX")" \
		--window-size="$2,900" --dump-dom "file://$PWD/$1.measured.html" 2>/dev/null |
		sed -n 's/.*<pre id="width-check">\([^<]*\).*/\1/p' >"$TRASH_DIRECTORY/width" &&
	cat "$TRASH_DIRECTORY/width" &&
	test "$(cat "$TRASH_DIRECTORY/width")" = "viewport $2: fits"
}

LONG=internal/backend/remote-state/azure/storage/account/containers/blobs/leases/renewal/very/deep/tree
WHO='Maximilian Alexander Featherstonehaugh-Worthington <maximilian.alexander.featherstonehaugh-worthington@subsidiary.example-corporation.com>'

test_expect_success 'runs with long paths, reasons and names' '
	new_repo r && cd r && mkdir -p $LONG &&
	echo x >$LONG/a_rather_long_file_name_without_any_breaks_in_it_at_all_0123456789abcdef.go &&
	git add -A && test_must_fail git commit -q -m "long path" 2>/dev/null &&
	git commit -q -m "long path" --trailer "Changelog-Skip: a long reason that explains in great detail why no changelog entry is needed for this change to the backend" &&
	echo "{}" >.mcp.json && add_entry mcp && git add -A &&
	git commit -q -m mcp --trailer "MCP-Authorized-By: $WHO" &&
	changelog-audit --format html --output ../audit.html &&
	(changelog-audit history --format html --output ../history.html || test $? = 1)
'

for width in 1280 1920; do
	test_expect_success "the audit report fits a $width px window" "fits audit.html $width"
	test_expect_success "the history report fits a $width px window" "fits history.html $width"
done

test_done
