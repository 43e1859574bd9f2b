package drill

import (
	"strconv"
	"strings"
)

// command is one simple command of a shell line: its words, quotes removed.
type command []string

func (c command) name() string {
	if len(c) == 0 {
		return ""
	}
	if c[0] == "sudo" {
		return c[1:].name()
	}
	return c[0]
}

// args are the words after the command's name (and sudo).
func (c command) args() []string {
	if len(c) > 0 && c[0] == "sudo" {
		return c[1:].args()
	}
	if len(c) < 2 {
		return nil
	}
	return c[1:]
}

// has reports whether a word of the command equals s.
func (c command) has(s string) bool {
	for _, a := range c {
		if a == s {
			return true
		}
	}
	return false
}

// mentions reports whether any word contains s.
func (c command) mentions(s string) bool {
	for _, a := range c {
		if strings.Contains(a, s) {
			return true
		}
	}
	return false
}

// lastArg is the last word that is not a flag.
func (c command) lastArg() string {
	args := c.args()
	for i := len(args) - 1; i >= 0; i-- {
		if !strings.HasPrefix(args[i], "-") {
			return args[i]
		}
	}
	return ""
}

// segment is a command with how it joins the one before (&&, ||, ;) and
// the later stages of its pipe.
type segment struct {
	join string
	cmd  command
	pipe []command
}

// shape applies the pipe's later stages the drill understands: head -n N
// keeps the first N lines; others (sort, grep for a word) pass through or
// filter.
func (s segment) shape(text string) string {
	for _, p := range s.pipe {
		switch p.name() {
		case "head":
			n := 10
			for i, a := range p.args() {
				if a == "-n" && i+1 < len(p.args()) {
					n, _ = strconv.Atoi(p.args()[i+1])
				}
			}
			lines := strings.SplitAfter(text, "\n")
			if len(lines) > n {
				text = strings.Join(lines[:n], "")
			}
		case "grep":
			word := p.lastArg()
			var kept []string
			for _, l := range strings.SplitAfter(text, "\n") {
				if word != "" && strings.Contains(l, word) {
					kept = append(kept, l)
				}
			}
			text = strings.Join(kept, "")
		}
	}
	return text
}

// splitCommand splits a shell line into segments at &&, || and ; and each
// at its pipes, honouring single and double quotes; redirections (2>&1,
// 2>/dev/null) are dropped.
func splitCommand(line string) []segment {
	var segs []segment
	cur := segment{join: ";"}
	var words command
	var word strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			w := word.String()
			if !strings.Contains(w, ">") {
				words = append(words, w)
			}
		}
		word.Reset()
		inWord = false
	}
	flushCmd := func() {
		flushWord()
		if len(words) > 0 {
			if cur.cmd == nil {
				cur.cmd = words
			} else {
				cur.pipe = append(cur.pipe, words)
			}
		}
		words = nil
	}
	var quote byte
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				word.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t' || ch == '\n':
			flushWord()
		case ch == ';' || (ch == '&' || ch == '|') && i+1 < len(line) && line[i+1] == ch:
			flushCmd()
			if cur.cmd != nil {
				segs = append(segs, cur)
			}
			join := ";"
			if ch != ';' {
				join = line[i : i+2]
				i++
			}
			cur = segment{join: join}
		case ch == '|':
			flushCmd()
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	flushCmd()
	if cur.cmd != nil {
		segs = append(segs, cur)
	}
	return segs
}
