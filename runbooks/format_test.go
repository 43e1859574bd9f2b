package runbooks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseErrorsNamePositions(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"malformed yaml", "name: x\nsteps:\n  - action: wait\n   args: [\n", "rb.yaml:4:"},
		{"unknown field", "name: x\nstep:\n  - action: wait\n", `rb.yaml:2:1: unknown field "step"`},
		{"unknown action", "name: x\nsteps:\n  - action: aws.reboot_everything\n", `rb.yaml:3:13: unknown action "aws.reboot_everything": want one of aws.group_check, aws.scale_group`},
		{"missing name", "steps:\n  - action: wait\n    args:\n      duration: 1s\n", "rb.yaml:1:1: name is required"},
		{"bad name", "name: Scale Up\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", `rb.yaml:1:7: name "Scale Up": want lower-case letters, digits and dashes`},
		{"no steps", "name: x\n", "rb.yaml:1:1: steps: want at least one step"},
		{"unknown argument", "name: x\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n      forever: true\n", "rb.yaml:6:16: wait has no argument forever"},
		{"missing argument", "name: x\nsteps:\n  - action: aws.scale_group\n    args:\n      group: web\n", "rb.yaml:3:5: aws.scale_group: argument desired (int) is required"},
		{"literal of wrong type", "name: x\nsteps:\n  - action: aws.scale_group\n    args:\n      group: web\n      desired: lots\n", `rb.yaml:6:16: argument desired: want an integer, got "lots"`},
		{"reference of wrong type", "name: x\nparams:\n  - name: n\n    type: string\nsteps:\n  - action: aws.scale_group\n    args:\n      group: web\n      desired: ${n}\n", "rb.yaml:9:16: argument desired takes int, but ${n} is a string parameter"},
		{"undeclared parameter", "name: x\nsteps:\n  - action: slack.post\n    args:\n      text: scaled ${grup}\n", "rb.yaml:5:13: unknown parameter ${grup}"},
		{"bad timeout", "name: x\nsteps:\n  - action: wait\n    timeout: soon\n    args:\n      duration: 1s\n", `rb.yaml:4:14: want a positive duration such as 30s or 5m, got "soon"`},
		{"bad on_failure", "name: x\nsteps:\n  - action: wait\n    on_failure: retry\n    args:\n      duration: 1s\n", `rb.yaml:4:17: on_failure "retry": want halt or continue`},
		{"write declared read-only", "name: x\nsteps:\n  - action: haproxy.throttle\n    mutates: false\n    args:\n      tier: free\n      percent: 0\n", "rb.yaml:4:14: haproxy.throttle changes things: mutates cannot be false"},
		{"writing precondition", "name: x\npreconditions:\n  - action: slack.post\n    args:\n      text: hi\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", "rb.yaml:3:13: a precondition must only read; slack.post changes things"},
		{"bad param type", "name: x\nparams:\n  - name: n\n    type: float\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", `rb.yaml:4:11: parameter n: type "float": want int, string, enum or duration`},
		{"default out of range", "name: x\nparams:\n  - name: n\n    type: int\n    min: 1\n    max: 5\n    default: 9\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", "rb.yaml:7:14: default: parameter n: 9 is above the maximum 5"},
		{"enum without values", "name: x\nparams:\n  - name: e\n    type: enum\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", "rb.yaml:3:5: parameter e: an enum needs values"},
		{"confirm without dangerous", "name: x\nconfirm: web\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n", "rb.yaml:2:10: confirm is only for runbooks marked dangerous: true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("rb.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("parsed without error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not Errors", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%s\ndoes not contain\n%s", err, tc.want)
			}
		})
	}
}

func TestParseCollectsEveryProblemInFileOrder(t *testing.T) {
	_, err := Parse("rb.yaml", []byte("name: x\nsteps:\n  - action: nope\n  - action: wait\n    args:\n      duration: never\n"))
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if es[0].Line != 3 || es[1].Line != 6 {
		t.Fatalf("errors out of order: %v", err)
	}
}

func TestParseValidRunbook(t *testing.T) {
	rb, err := Parse("rb.yaml", []byte(`name: demo
description: a demo
dangerous: true
confirm: ${group}
timeout: 10m
params:
  - name: group
    type: string
    pattern: '^[a-z]+$'
  - name: desired
    type: int
    min: 1
    max: 20
    default: 4
  - name: mode
    type: enum
    values: [fast, slow]
    default: slow
  - name: pause
    type: duration
    min: 1s
    max: 1m
    default: 5s
steps:
  - name: scale
    action: aws.scale_group
    args:
      group: ${group}
      desired: ${desired}
  - name: pause
    action: wait
    on_failure: continue
    args:
      duration: ${pause}
`))
	if err != nil {
		t.Fatal(err)
	}
	if rb.Name != "demo" || !rb.Dangerous || rb.Confirm != "${group}" || rb.Timeout != 10*time.Minute {
		t.Fatalf("header = %+v", rb)
	}
	if len(rb.Params) != 4 || rb.Params[1].Default != 4 || rb.Params[3].Max != time.Minute {
		t.Fatalf("params = %+v", rb.Params)
	}
	s := rb.Steps[0]
	if !s.Mutates || s.OnFailure != Halt || s.Timeout != 15*time.Minute {
		t.Fatalf("step defaults = %+v", s)
	}
	if p := rb.Steps[1]; p.Mutates || p.OnFailure != Continue {
		t.Fatalf("wait step = %+v", p)
	}
}

func TestResolveParams(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := c.Lookup("scale-up")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"group=web"}, "parameter desired is required (int 1..1000)"},
		{[]string{"group=web", "desired=0"}, "parameter desired: 0 is below the minimum 1"},
		{[]string{"group=web", "desired=5000"}, "parameter desired: 5000 is above the maximum 1000"},
		{[]string{"group=web", "desired=twelve"}, `parameter desired: want an integer, got "twelve"`},
		{[]string{"group=web; rm -rf /", "desired=12"}, `parameter group: "web; rm -rf /" does not match the pattern`},
		{[]string{"group=web", "desired=12", "region=eu"}, "unknown parameter region (scale-up takes group, desired)"},
	}
	for _, tc := range cases {
		raw, err := ParseParams(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rb.Resolve(raw); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	vals, err := rb.Resolve(map[string]string{"group": "web", "desired": "12"})
	if err != nil || vals["desired"] != 12 || vals["group"] != "web" {
		t.Fatalf("resolve = %v, %v", vals, err)
	}
}

func TestParseParams(t *testing.T) {
	got, err := ParseParams([]string{"text=a=b c; $(x)", "n=1"})
	if err != nil || got["text"] != "a=b c; $(x)" || got["n"] != "1" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range [][]string{{"novalue"}, {"=x"}, {"a=1", "a=2"}} {
		if _, err := ParseParams(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

// TestParseReportsEveryDecodingMistake: a value of the wrong kind is named
// in the file's terms, and decoding goes on, so the unknown key, the bad
// duration and the unknown action after it are reported in the same run.
func TestParseReportsEveryDecodingMistake(t *testing.T) {
	body := "name: x\nsteps:\n  - action: wait\n    mutates: yes\n    args: {duration: 1s}\n" +
		"  - action: wait\n    timout: 5s\n    args: {duration: never}\n" +
		"  - action: nope\n"
	_, err := Parse("rb.yaml", []byte(body))
	want := strings.Join([]string{
		`rb.yaml:4:14: mutates must be true or false, got "yes"`,
		`rb.yaml:7:5: unknown field "timout"; did you mean "timeout"?`,
		`rb.yaml:8:22: argument duration: want a duration such as 30s or 5m, got "never"`,
		`rb.yaml:9:13: unknown action "nope": want one of ` + actionNames(),
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestParseSuggestsQuotingAReferenceInFlowSyntax: a bare ${param} inside
// [ ] is a YAML syntax error; the message says how to write it.
func TestParseSuggestsQuotingAReferenceInFlowSyntax(t *testing.T) {
	body := "name: x\nparams:\n  - {name: instance, type: string}\nsteps:\n  - action: aws.ssm_command\n    args:\n      instances: [${instance}]\n      command: uptime\n"
	_, err := Parse("rb.yaml", []byte(body))
	if err == nil || !strings.HasPrefix(err.Error(), "rb.yaml:7:20: ") || !strings.Contains(err.Error(), `a reference must be quoted: write "${instance}"`) {
		t.Fatalf("error = %v, want the position and a hint to quote the reference", err)
	}
	fixed := strings.Replace(body, "[${instance}]", `["${instance}"]`, 1)
	if _, err := Parse("rb.yaml", []byte(fixed)); err != nil {
		t.Fatalf("the quoted form is refused: %v", err)
	}
}

// TestParseFileRefusesAHugeFile: a file in the runbook folder is read only
// up to a bound, and a larger one is reported, not decoded.
func TestParseFileRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	body := "name: huge\nsteps:\n  - action: wait\n    args: {duration: 1s}\n" + strings.Repeat("# padding\n", maxFileSize/10+1)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path)
	if err == nil || !strings.Contains(err.Error(), path+":1:1: larger than 1048576 bytes") {
		t.Fatalf("err = %v", err)
	}
}
