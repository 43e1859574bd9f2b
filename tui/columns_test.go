package tui

import (
	"strings"
	"testing"
)

var serverColumns = []column{
	{title: "SERVER", width: 8, priority: prioKey},
	{title: "STATE", width: 5, priority: prioKey},
	{title: "ADDRESS", width: 15, priority: prioDetail},
	{title: "WEIGHT", width: 6, right: true, priority: prioDetail},
	{title: "REQ/S", width: 6, right: true, priority: prioNumber},
	{title: "5XX/S", width: 6, right: true, priority: prioNumber},
	{title: "ERR%", width: 6, right: true, priority: prioNumber},
	{title: "NOTE", width: 10, priority: prioNumber, flex: true},
}

func TestNarrowTablesCutAddressesAndWeightsBeforeNumbersAndState(t *testing.T) {
	wide := layoutTable(serverColumns, 120)
	if h := wide.header(); !strings.Contains(h, "ADDRESS") || !strings.Contains(h, "WEIGHT") {
		t.Fatalf("at 120 columns every column fits: %q", h)
	}
	narrow := layoutTable(serverColumns, 56)
	h := narrow.header()
	for _, want := range []string{"SERVER", "STATE", "REQ/S", "5XX/S", "ERR%", "NOTE"} {
		if !strings.Contains(h, want) {
			t.Errorf("56 columns cut %s: %q", want, h)
		}
	}
	for _, cut := range []string{"ADDRESS", "WEIGHT"} {
		if strings.Contains(h, cut) {
			t.Errorf("56 columns should cut %s first: %q", cut, h)
		}
	}
	row := narrow.row("web-3", "UP", "10.0.1.7:8080", "1", "245.1", "73.5", "30.0%", "⚠ odd one out: error 30% vs peers 0.4%")
	if strings.Contains(row, "10.0.1.7") || !strings.Contains(row, "30.0%") || !strings.Contains(row, "⚠ odd one") {
		t.Errorf("row %q", row)
	}
	if w := len([]rune(row)); w > 56 {
		t.Errorf("row is %d cells, wider than 56: %q", w, row)
	}
}

func TestKeyColumnsAreNeverCutAndTheFlexColumnTakesTheRest(t *testing.T) {
	tiny := layoutTable(serverColumns, 10)
	if h := tiny.header(); !strings.HasPrefix(h, "SERVER   STATE") {
		t.Errorf("names and states stay even when nothing else fits: %q", h)
	}
	at := layoutTable(serverColumns, 100)
	row := at.row("web-3", "UP", "10.0.1.7:8080", "1", "1", "2", "3", strings.Repeat("x", 60))
	if got := len([]rune(row)); got != 100 {
		t.Errorf("the flex column should fill the width: %d cells", got)
	}
}

func TestNumbersAlignRight(t *testing.T) {
	tb := layoutTable(serverColumns[:5], 80)
	if row := tb.row("a", "UP", "", "", "7.5"); !strings.HasSuffix(row, "   7.5") {
		t.Errorf("row %q", row)
	}
}
