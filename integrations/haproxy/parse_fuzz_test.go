package haproxy

import (
	"os"
	"strings"
	"testing"
)

// The Runtime API and the master CLI answer in text that warroom parses
// itself; a reply from another HAProxy version, a proxy in between or a
// truncated read must come back as an error or a result, never a panic.
// Each fuzz target starts from the real answers in testdata.

func seedFile(f *testing.F, name string) {
	f.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
}

func FuzzParseServersState(f *testing.F) {
	seedFile(f, "servers-state.txt")
	f.Add("1\n# be_name srv_name srv_op_state srv_admin_state srv_uweight srv_port\nbe s1 2 0 1 80\n")
	f.Add("2\n")
	f.Add("1\n#\n\n x")
	f.Fuzz(func(t *testing.T, text string) {
		states, err := parseServersState(text)
		if err != nil {
			return
		}
		for _, s := range states {
			if s.Backend == "" || s.Server == "" {
				t.Fatalf("accepted a server without backend or name: %+v", s)
			}
			if strings.ContainsAny(s.Backend+s.Server, " \t\n") {
				t.Fatalf("a name holds white space: %+v", s)
			}
		}
	})
}

func FuzzParseStat(f *testing.F) {
	f.Add("# pxname,svname,qcur,scur,hrsp_5xx\nbe,s1,0,3,12\nbe,BACKEND,0,3,12\nfe,FRONTEND,0,0,\n")
	f.Add("# pxname,svname,scur,hrsp_5xx\nbe,\"s\n1\",1,\n")
	f.Add("pxname,svname,scur,hrsp_5xx\nbe,s1,-1,18446744073709551615\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := parseStat(text)
		if err != nil {
			return
		}
		for key := range rows {
			if !strings.Contains(key, "/") {
				t.Fatalf("row key %q is not backend/server", key)
			}
		}
	})
}

func FuzzParseProc(f *testing.F) {
	seedFile(f, "show-proc.txt")
	f.Add("1 master 0\n# workers\n2 worker 0\n# old workers\n3 worker 1\n4 worker 1\n")
	f.Add("Unknown command.\n")
	f.Fuzz(func(t *testing.T, text string) {
		info, err := parseProc(text)
		if err != nil {
			return
		}
		if !strings.Contains(text, "master") {
			t.Fatalf("parsed %+v from an answer without a master line", info)
		}
	})
}

// FuzzParseInfoStat reads `show info;show stat` answers: the worker's pid
// and its counters come from one connection, so rates never mix workers.
func FuzzParseInfoStat(f *testing.F) {
	seedFile(f, "show-info-stat.txt")
	f.Add("Name: HAProxy\nPid: 42\n\n# pxname,svname,scur,hrsp_5xx\nbe,s1,1,2\n")
	f.Add("Pid: \n\n")
	f.Add("Pid: 7\n")
	f.Fuzz(func(t *testing.T, text string) {
		pid, rows, err := parseInfoStat(text)
		if err != nil {
			return
		}
		if pid == "" || strings.ContainsAny(pid, " \t\n") {
			t.Fatalf("accepted pid %q", pid)
		}
		for key := range rows {
			if !strings.Contains(key, "/") {
				t.Fatalf("row key %q is not proxy/name", key)
			}
		}
	})
}
