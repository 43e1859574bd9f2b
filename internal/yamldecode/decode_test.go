package yamldecode

import (
	"fmt"
	"strings"
	"testing"
)

type inner struct {
	Name  string   `yaml:"name"`
	Ports []int    `yaml:"ports"`
	On    *bool    `yaml:"on"`
	Tags  []string `yaml:"tags"`
}

type outer struct {
	Title  string         `yaml:"title"`
	Items  []inner        `yaml:"items"`
	Main   *inner         `yaml:"main"`
	Limits map[string]int `yaml:"limits"`
	Skip   string         `yaml:"-"`
}

func problems(ps []Problem) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Message)
	}
	return strings.Join(lines, "\n")
}

// TestDecodeGoesOnPastEachMistake: every mistake is reported, and what is
// right around them is still decoded.
func TestDecodeGoesOnPastEachMistake(t *testing.T) {
	var got outer
	_, ps := Decode([]byte("title: t\nitems:\n  - name: a\n    ports: [80, http]\n    on: yes\n  - name: b\n    tags: [x]\n    nam: c\nlimits: {web: 3, api: lots}\nSkip: x\n"), &got)
	want := strings.Join([]string{
		`4:17: ports[1] must be an integer, got "http"`,
		`5:9: on must be true or false, got "yes"`,
		`8:5: unknown field "nam"; did you mean "name"?`,
		`9:23: limits.api must be an integer, got "lots"`,
		`10:1: unknown field "Skip" (known: items, limits, main, title)`,
	}, "\n")
	if problems(ps) != want {
		t.Errorf("problems:\n%s\nwant:\n%s", problems(ps), want)
	}
	if got.Title != "t" || len(got.Items) != 2 || got.Items[0].Name != "a" || got.Items[1].Tags[0] != "x" || got.Items[0].On != nil {
		t.Errorf("decoded %+v", got)
	}
}

// TestDecodeFollowsAnchorsAndMerges: aliases and << merges decode as what
// they name.
func TestDecodeFollowsAnchorsAndMerges(t *testing.T) {
	var got outer
	_, ps := Decode([]byte("items:\n  - &base {name: a, on: true, ports: [1]}\n  - *base\n  - {<<: *base, name: c}\nmain: *base\n"), &got)
	if len(ps) != 0 {
		t.Fatalf("problems:\n%s", problems(ps))
	}
	if len(got.Items) != 3 || got.Items[1].Name != "a" || got.Items[2].Name != "c" || got.Items[2].Ports[0] != 1 || got.Main == nil || !*got.Main.On {
		t.Errorf("decoded %+v", got)
	}
	_, ps = Decode([]byte("main: *nowhere\n"), &got)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "names no anchor") {
		t.Errorf("an alias to nothing: %s", problems(ps))
	}
}

// TestDecodeRefusesWhatItWouldIgnore: a second document and a scalar
// where a mapping belongs are mistakes, not silently dropped.
func TestDecodeRefusesWhatItWouldIgnore(t *testing.T) {
	var got outer
	_, ps := Decode([]byte("title: a\n---\ntitle: b\n"), &got)
	if len(ps) != 1 || ps[0].Line != 3 || !strings.Contains(ps[0].Message, "second YAML document") {
		t.Errorf("second document: %s", problems(ps))
	}
	_, ps = Decode([]byte("main: yes\n"), &got)
	if problems(ps) != `1:7: main must be a mapping of keys to values, got "yes"` {
		t.Errorf("scalar for a mapping: %s", problems(ps))
	}
	if file, ps := Decode([]byte("title: [a\n"), &got); file != nil || len(ps) != 1 || ps[0].Line != 1 {
		t.Errorf("syntax error: file %v, %s", file, problems(ps))
	}
}

// TestDecodeStopsAtAliasLoops: an alias merged into the mapping it names
// would recurse until the stack ran out; it is a problem instead.
func TestDecodeStopsAtAliasLoops(t *testing.T) {
	var got outer
	_, ps := Decode([]byte("main: &m {name: a, <<: *m}\n"), &got)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "nested or aliased too deeply") {
		t.Fatalf("problems: %s", problems(ps))
	}
}

// TestDecodeSurvivesTags: a tag is dropped, the field's type decides; a
// tag the YAML library trips over inside a list is a problem, not a
// panic.
func TestDecodeSurvivesTags(t *testing.T) {
	var got outer
	_, ps := Decode([]byte("title: !custom hello\nmain: !!map {name: !x 5, tags: [!y [a], b]}\n"), &got)
	if got.Title != "hello" || got.Main == nil || got.Main.Name != "5" {
		t.Errorf("decoded %+v", got)
	}
	if problems(ps) != "2:33: tags[0] must be a string, got a list" {
		t.Errorf("problems: %s", problems(ps))
	}
}
