package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// badge is one source's freshness: a symbol, a word when not ok, and the
// age of its last success. The state is the one the source's poller
// recorded, never inferred here: the poller turns a source stale when its
// budget runs out and puts that on the timeline, so the screen and the
// timeline cannot disagree.
func badge(st Styles, s integrations.SourceStatus, now time.Time) string {
	age := "never"
	if !s.LastSuccess.IsZero() {
		age = shortDuration(s.Age(now))
	}
	switch s.State {
	case integrations.SourceOK:
		return st.OK.Render("✓ "+s.Source) + st.Dim.Render(" "+age)
	case integrations.SourceDegraded:
		return st.Warn.Render("⚠ " + s.Source + " DEGRADED " + age)
	case integrations.SourceStale:
		return st.Bad.Render("⚠ " + s.Source + " STALE " + age)
	default:
		return st.Bad.Render("✗ " + s.Source + " DOWN " + age)
	}
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// clock formats the incident's running time as H:MM:SS.
func clock(d time.Duration) string {
	d = max(0, d).Truncate(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// header is the title line, the freshness badges (on the title line when
// they fit, wrapped onto lines of their own otherwise), one line per
// failing source saying why, and in drill mode the notice. DRILL,
// READ-ONLY, the clock and every badge always show; the title gives way.
func (m Model) header(width int) []string {
	st := m.styles
	left := st.Title.Render("WARROOM")
	if m.info.Drill {
		left += " " + st.Drill.Render(" DRILL ")
	}
	switch {
	case m.opts.Observer:
		left += " " + st.ReadOnly.Render(" READ-ONLY · observer ")
	case m.opts.Readonly:
		left += " " + st.ReadOnly.Render(" READ-ONLY ")
	}
	clk := "⏱ " + clock(m.now.Sub(m.info.IncidentStart)) + m.inForceBadge()
	if due := m.statusReminder(); due != "" {
		clk += "  " + due
	}
	if figure := m.headline(); figure != "" {
		clk = figure + "  " + clk // how bad it is now, before anything else
	}
	names := slices.Sorted(maps.Keys(m.sources))
	var badges []string
	for _, name := range names {
		badges = append(badges, badge(st, m.sources[name], m.now))
	}
	right := strings.Join(append([]string{clk}, badges...), "  ")
	var lines []string
	if room := width - ansi.StringWidth(left) - ansi.StringWidth(right) - 4; room >= 12 {
		lines = []string{left + "  " + fit(st.Title.Render(m.info.Title), room) + "  " + right}
	} else {
		room = width - ansi.StringWidth(left) - ansi.StringWidth(clk) - 4
		lines = append([]string{left + "  " + fit(st.Title.Render(m.info.Title), max(0, room)) + "  " + clk},
			pack(badges, "  ", width)...)
	}
	for _, name := range names {
		if s := m.sources[name]; s.State != integrations.SourceOK && s.LastError != "" {
			reason := oneLine(s.LastError)
			if !strings.HasPrefix(reason, name+":") {
				reason = name + ": " + reason
			}
			lines = append(lines, st.Bad.Render("  ✗ "+reason))
		}
	}
	lines = append(lines, teamLines(st, m.teamStatus, width)...)
	if m.info.Drill {
		lines = append(lines, st.Notice.Render("DRILL: "+m.info.Notice))
	}
	for i := range lines {
		lines[i] = fit(lines[i], width)
	}
	return lines
}

// teamLines is the team's war-room under the title, when the incident is
// shared: the connection and the local queue (offline is bad news: what
// is typed here waits in the journal), then who is present, the incident
// commander first named as such, on as many lines as the width needs.
func teamLines(st Styles, t *integrations.TeamStatus, width int) []string {
	if t == nil {
		return nil
	}
	word := st.OK.Render(t.Line())
	if !t.Online {
		word = st.Bad.Render("⚠ " + t.Line())
	}
	if t.Problem != "" && !t.Online {
		word += st.Dim.Render(" (" + oneLine(t.Problem) + ")")
	}
	here := fmt.Sprintf("%d here", len(t.Members))
	if len(t.Members) == 1 {
		here = "1 here"
	}
	items := []string{word, st.Dim.Render(here)}
	if t.Commander == "" {
		items = append(items, st.Warn.Render("no incident commander"))
	}
	for _, who := range strings.Split(t.Roster(), " · ") {
		if who != "" {
			items = append(items, who)
		}
	}
	return pack(items, "  ", width)
}

// pack lays items out on as few lines of width as it can.
func pack(items []string, sep string, width int) []string {
	var lines []string
	line := ""
	for _, item := range items {
		switch {
		case line == "":
			line = item
		case ansi.StringWidth(line+sep+item) <= width:
			line += sep + item
		default:
			lines = append(lines, line)
			line = item
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// paneFeeds is what each pane shows, as the sources declare what they
// feed: the application names the sources behind each (Info.Panes).
var paneFeeds = map[pane]integrations.Feed{
	paneAlerts: integrations.FeedAlerts,
	paneFleet:  integrations.FeedFleet,
	paneChat:   integrations.FeedChat,
}

// staleMark is a loud note for a pane title when a source behind the pane
// is not fresh: the rows below are old, and must not read as current.
func (m *Model) staleMark(p pane) string {
	var marks []string
	feed, ok := paneFeeds[p]
	if !ok {
		return ""
	}
	for _, name := range m.info.Panes[feed] {
		s, ok := m.sources[name]
		if !ok {
			continue
		}
		switch state := s.State; state {
		case integrations.SourceOK:
		default:
			age := "never updated"
			if !s.LastSuccess.IsZero() {
				age = shortDuration(s.Age(m.now)) + " old"
			}
			marks = append(marks, fmt.Sprintf("⚠ %s %s, %s", name, strings.ToUpper(string(state)), age))
		}
	}
	if len(marks) == 0 {
		return ""
	}
	return "  " + m.styles.Bad.Render(strings.Join(marks, "; "))
}
