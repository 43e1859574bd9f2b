package tui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// terminalScreen replays what a program wrote (text, cursor moves, erases,
// line inserts and deletes) onto a grid, so a test waits for text as a
// person sees it on the screen. The renderer redraws only the cells that
// changed, so text searched for in the raw output is often split.
type terminalScreen struct {
	w, h int
	out  bytes.Buffer // everything written so far
	src  io.Reader
}

// watch reads tm's 120x40 screen as a terminal shows it, from a full
// repaint on.
func watch(tm *teatest.TestModel) *terminalScreen {
	s := &terminalScreen{w: 120, h: 40, src: tm.Output()}
	tm.Send(tea.ClearScreen())
	return s
}

// text replays all output from the start and returns the screen.
func (s *terminalScreen) text() string {
	var chunk [32 << 10]byte
	for {
		n, _ := s.src.Read(chunk[:])
		s.out.Write(chunk[:n])
		if n < len(chunk) {
			break
		}
	}
	grid := make([][]string, s.h)
	blank := func() []string { return slices0(s.w) }
	for i := range grid {
		grid[i] = blank()
	}
	x, y := 0, 0
	clampXY := func() { x, y = max(0, min(s.w-1, x)), max(0, min(s.h-1, y)) }
	p := ansi.NewParser()
	var state byte
	b := s.out.Bytes()
	for len(b) > 0 {
		seq, width, n, next := ansi.DecodeSequence(b, state, p)
		if n == 0 {
			break
		}
		state, b = next, b[n:]
		switch {
		case width > 0:
			if x < s.w {
				grid[y][x] = string(seq)
				for i := 1; i < width && x+i < s.w; i++ {
					grid[y][x+i] = ""
				}
			}
			x += width
		case len(seq) == 1 && seq[0] == '\r':
			x = 0
		case len(seq) == 1 && seq[0] == '\n':
			// The renderer writes to a terminal that maps a newline to
			// carriage return and newline.
			x = 0
			if y++; y >= s.h {
				grid, y = append(grid[1:], blank()), s.h-1
			}
		case len(seq) == 1 && seq[0] == '\b':
			x = max(0, x-1)
		case string(seq) == "\x1bM": // reverse index: up a line
			y = max(0, y-1)
		case string(seq) == "\x1bD": // index: down a line
			y = min(s.h-1, y+1)
		case ansi.HasCsiPrefix(seq):
			cmd := ansi.Cmd(p.Command())
			if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
				continue // modes and queries
			}
			arg := func(i, def int) int {
				v, _, _ := p.Params().Param(i, def)
				if v == 0 {
					v = def
				}
				return v
			}
			clampXY()
			switch cmd.Final() {
			case 'H', 'f':
				y, x = arg(0, 1)-1, arg(1, 1)-1
			case 'A':
				y -= arg(0, 1)
			case 'B':
				y += arg(0, 1)
			case 'C':
				x += arg(0, 1)
			case 'D':
				x -= arg(0, 1)
			case 'G':
				x = arg(0, 1) - 1
			case 'd':
				y = arg(0, 1) - 1
			case 'E':
				x, y = 0, y+arg(0, 1)
			case 'F':
				x, y = 0, y-arg(0, 1)
			case 'K':
				from, to := x, s.w
				switch v, _, _ := p.Params().Param(0, 0); v {
				case 1:
					from, to = 0, x+1
				case 2:
					from = 0
				}
				for i := from; i < to; i++ {
					grid[y][i] = " "
				}
			case 'J':
				v, _, _ := p.Params().Param(0, 0)
				for row := range grid {
					if v == 2 || (v == 0 && row > y) || (v == 1 && row < y) {
						grid[row] = blank()
					}
				}
				if v == 0 {
					for i := x; i < s.w; i++ {
						grid[y][i] = " "
					}
				}
			case 'X':
				for i := x; i < min(s.w, x+arg(0, 1)); i++ {
					grid[y][i] = " "
				}
			case 'P':
				n := min(arg(0, 1), s.w-x)
				grid[y] = append(append(grid[y][:x:x], grid[y][x+n:]...), slices0(n)...)
			case '@':
				n := min(arg(0, 1), s.w-x)
				row := append(append(grid[y][:x:x], slices0(n)...), grid[y][x:]...)
				grid[y] = row[:s.w]
			case 'M':
				n := min(arg(0, 1), s.h-y)
				rest := append(append([][]string{}, grid[y+n:]...), make([][]string, n)...)
				for i := len(rest) - n; i < len(rest); i++ {
					rest[i] = blank()
				}
				grid = append(grid[:y:y], rest...)
			case 'L':
				n := min(arg(0, 1), s.h-y)
				ins := make([][]string, n)
				for i := range ins {
					ins[i] = blank()
				}
				grid = append(append(grid[:y:y], ins...), grid[y:s.h-n]...)
			}
		}
		clampXY()
	}
	lines := make([]string, len(grid))
	for i, row := range grid {
		lines[i] = strings.TrimRight(strings.Join(row, ""), " ")
	}
	return strings.Join(lines, "\n")
}

func slices0(n int) []string {
	row := make([]string, n)
	for i := range row {
		row[i] = " "
	}
	return row
}

// waitScreen waits until every want is on the screen at once.
func (s *terminalScreen) waitScreen(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		text := s.text()
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q is not on the screen:\n%s", missing, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
