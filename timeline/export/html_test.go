package export

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// chromiumPath is Debian's chromium, which make deps installs.
const chromiumPath = "/usr/bin/chromium"

// hostileChat is a chat line that would run, and mark the page, if the
// export let record text through as markup.
const hostileChat = `<script>document.documentElement.setAttribute("data-pwned","script")</script><img src=x onerror="document.documentElement.setAttribute('data-pwned','img')"> | **bold** </td></tr></table>`

// probe is what the test adds to the page it loads (the export itself has
// no script): once the page and its image have loaded, it writes what it
// saw onto <html> for --dump-dom to show.
const probe = `<script>
window.addEventListener("load", function () {
  var root = document.documentElement, img = document.querySelector("img");
  root.setAttribute("data-scripts", String(document.scripts.length));
  root.setAttribute("data-img", img && img.complete && img.naturalWidth > 0 ? img.naturalWidth + "x" + img.naturalHeight : "broken");
  root.setAttribute("data-h2", Array.prototype.map.call(document.querySelectorAll("h2"), function (h) { return h.textContent; }).join("|"));
  var rows = 0;
  document.querySelectorAll("table").forEach(function (t) { rows += t.tBodies[0].rows.length; });
  root.setAttribute("data-rows", String(rows));
});
</script>
`

// loadInChromium loads page in headless Chromium and returns the DOM after
// load.
func loadInChromium(t *testing.T, page []byte) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless Chromium is needed to test the HTML export: %v (run make deps, or apt-get install chromium)", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "postmortem.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--virtual-time-budget=5000", "--dump-dom", "file://"+path)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish in time: %v\n%s", ctx.Err(), stderr.String())
	}
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// TestHTMLRendersInChromium loads the HTML draft in a real browser: the
// headings, the tables and the inline chart render, and record text that
// holds markup is shown as text, not run.
func TestHTMLRendersInChromium(t *testing.T) {
	entries := fixture(t)
	last := entries[len(entries)-1]
	entries = append(entries, timeline.Entry{Record: integrations.Record{ID: "e99", Occurred: last.Occurred, Source: "slack", Kind: integrations.KindChatMessage, Actor: `mallory"><b>`, Text: hostileChat}, Seq: last.Seq + 1, Recorded: last.Recorded})
	opts := Options{Incident: "2026-01-09-web", Title: "Web outage <after> the provisioner hung", Location: paris(t), Metrics: incidentSeries()}
	var page bytes.Buffer
	if err := HTML(&page, entries, opts); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page.Bytes(), []byte("<script")) {
		t.Fatal("the export holds a <script> tag")
	}
	for _, external := range []string{`src="http`, `href="http`, "@import", "url("} {
		if bytes.Contains(page.Bytes(), []byte(external)) {
			t.Errorf("the export loads something from outside: %s", external)
		}
	}
	loaded := bytes.Replace(page.Bytes(), []byte("</body>"), []byte(probe+"</body>"), 1)

	dom := loadInChromium(t, loaded)
	attr := func(name string) string {
		m := regexp.MustCompile(`<html[^>]* ` + name + `="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("the page did not load: no %s on <html> in the DOM:\n%.2000s", name, dom)
		}
		return m[1]
	}
	if got := attr("data-scripts"); got != "1" {
		t.Errorf("%s script elements in the loaded page, want 1 (the test's probe)", got)
	}
	if regexp.MustCompile(`<html[^>]* data-pwned=`).MatchString(dom) {
		t.Error("record text ran as markup in the browser")
	}
	if img := attr("data-img"); !regexp.MustCompile(`^\d+x\d+$`).MatchString(img) {
		t.Errorf("the chart image did not render: %s", img)
	}
	want := "Summary|Key times and durations|Impact|Decisions|What was done|Status updates|Follow-ups|Contributing factors|What went well|What went badly|Where we got lucky|Key events|Full timeline|Runbook runs"
	if got := attr("data-h2"); got != want {
		t.Errorf("headings:\n%s\nwant:\n%s", got, want)
	}
	// The full timeline has a row per folded entry: the hostile line one
	// row of its own, not tables of its making.
	if got := attr("data-rows"); got == "0" {
		t.Error("no table rows rendered")
	}
	if !strings.Contains(dom, "<h1>Postmortem draft: Web outage &lt;after&gt; the provisioner hung</h1>") {
		t.Errorf("no h1 with the escaped title in:\n%.1500s", dom)
	}
	if !strings.Contains(dom, "&lt;script&gt;document.documentElement") {
		t.Error("the hostile chat line is not shown as text")
	}
}
