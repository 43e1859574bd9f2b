package suggest

import "testing"

func TestClosestFindsTyposOnly(t *testing.T) {
	names := []string{"list", "show", "append", "verify", "export"}
	for word, want := range map[string]string{
		"lst":    "list",   // a letter left out
		"lsit":   "list",   // two letters swapped
		"exprot": "export", // two letters swapped
		"app":    "append", // a prefix
		"shw":    "show",
		"delete": "", // nothing like it
		"x":      "",
		"list":   "", // the word itself needs no hint
	} {
		if got := Closest(word, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}
