package runbooks

import (
	"errors"
	"testing"
)

// FuzzParseRunbook feeds arbitrary files to the runbook decoder and
// validator: each must give a valid runbook or positioned errors, never a
// panic.
func FuzzParseRunbook(f *testing.F) {
	files, err := library.ReadDir("library")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range files {
		data, err := library.ReadFile("library/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("name: x\nsteps:\n  - action: wait\n    mutates: yes\n    args: {duration: 1s}\n"))
	f.Add([]byte("name: x\nsteps:\n  - action: aws.ssm_command\n    args: {instances: [${i}], command: x}\n"))
	f.Add([]byte("name: x\nparams:\n  - {name: n, type: int, min: 1, max: 0, default: 5}\nsteps:\n  - &s {action: wait, args: {duration: ${n}}}\n  - *s\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, err := Parse("fuzz.yaml", data)
		if err == nil {
			if !namePattern.MatchString(rb.Name) || len(rb.Steps) == 0 {
				t.Fatalf("accepted an invalid runbook: %+v", rb)
			}
			return
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %v (%T) is not positioned Errors", err, err)
		}
		for _, e := range es {
			if e.Line < 1 || e.Column < 1 || e.Msg == "" {
				t.Fatalf("error without a position or message: %+v", e)
			}
		}
	})
}
