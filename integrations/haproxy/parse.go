package haproxy

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/integrations"
)

// serverState is one line of `show servers state`.
type serverState struct {
	Backend, Server string
	Addr            string
	Port            int
	OpState         int // 0 stopped, 1 starting, 2 running, 3 stopping
	AdminState      int // bit field, see admin* below
	Weight          int // user weight
}

// Admin state bits of `show servers state` (HAProxy's SRV_ADMF_*).
const (
	adminForcedMaint    = 0x01
	adminInheritedMaint = 0x02
	adminForcedDrain    = 0x08
	adminInheritedDrain = 0x10
	adminResolveMaint   = 0x20

	// The configured-maint (0x04) and hostname (0x40) bits only record
	// how the server was set up: after `set server … state ready` the
	// server serves with 0x04 still shown. HAProxy's own SRV_ADMF_MAINT
	// mask leaves both out.
	adminMaint = adminForcedMaint | adminInheritedMaint | adminResolveMaint
	adminDrain = adminForcedDrain | adminInheritedDrain
)

// State folds the admin and operational states into what the screen shows:
// an administrative state wins over health.
func (s serverState) State() integrations.ServerState {
	switch {
	case s.AdminState&adminMaint != 0:
		return integrations.ServerMaint
	case s.AdminState&adminDrain != 0:
		return integrations.ServerDrain
	case s.OpState == 0:
		return integrations.ServerDown
	}
	return integrations.ServerUp
}

// adminState is the part of State an operator sets (ready, drain, maint);
// it is what must survive a reload, unlike health.
func (s serverState) adminState() integrations.ServerState {
	switch s.State() {
	case integrations.ServerMaint, integrations.ServerDrain:
		return s.State()
	}
	return integrations.ServerUp
}

// parseServersState parses `show servers state`: a version line, a
// "# field names" header, then one space-separated line per server.
// Columns are found by name, so a newer HAProxy adding fields still parses.
func parseServersState(text string) ([]serverState, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), maxAnswer)
	var cols map[string]int
	var out []serverState
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#"):
			cols = columnIndex(strings.Fields(strings.TrimPrefix(line, "#")))
			continue
		case cols == nil:
			if line != "1" {
				return nil, fmt.Errorf("servers state: unsupported format version %q", firstLines(line, 1))
			}
			continue
		}
		f := strings.Fields(line)
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(f) {
				return f[i]
			}
			return ""
		}
		s := serverState{Backend: get("be_name"), Server: get("srv_name"), Addr: get("srv_addr")}
		var err error
		if s.OpState, err = atoiField("srv_op_state", get("srv_op_state")); err != nil {
			return nil, err
		}
		if s.AdminState, err = atoiField("srv_admin_state", get("srv_admin_state")); err != nil {
			return nil, err
		}
		if s.Weight, err = atoiField("srv_uweight", get("srv_uweight")); err != nil {
			return nil, err
		}
		if s.Port, err = atoiField("srv_port", get("srv_port")); err != nil {
			return nil, err
		}
		if s.Backend == "" || s.Server == "" {
			return nil, fmt.Errorf("servers state: line without backend or server name: %q", firstLines(line, 1))
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("servers state: %w", err)
	}
	if cols == nil {
		return nil, fmt.Errorf("servers state: no header in answer %q", firstLines(strings.TrimSpace(text), 2))
	}
	return out, nil
}

func columnIndex(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

func atoiField(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("field %s: %q is not a number", name, v)
	}
	return n, nil
}

// statRow is one row of `show stat`: a server, or a frontend's or
// backend's aggregate (Server "FRONTEND" or "BACKEND").
type statRow struct {
	Proxy, Server string
	Status        string
	Sessions      int
	SessionLimit  int
	Queue         int
	Counters      integrations.Counters
}

// Aggregate row names of `show stat`.
const (
	statFrontend = "FRONTEND"
	statBackend  = "BACKEND"
)

// parseStat parses `show stat` CSV into rows keyed by "proxy/server"
// (servers, and the FRONTEND and BACKEND aggregate rows). Columns are
// found by name. A counter column that is empty (HTTP counters of a TCP
// proxy, a limit that is not set) reads 0; Counters.HTTP says whether the
// row has HTTP counters; a row without req_tot counts its sessions (stot)
// as requests.
func parseStat(text string) (map[string]statRow, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "# ")))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("show stat: no CSV header: %w", err)
	}
	cols := columnIndex(header)
	for _, need := range []string{"pxname", "svname", "scur", "hrsp_5xx"} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("show stat: column %s missing", need)
		}
	}
	out := map[string]statRow{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("show stat: %w", err)
		}
		get := func(name string) string {
			if i, ok := cols[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		var perr error
		num := func(name string) uint64 {
			v := get(name)
			if v == "" || perr != nil {
				return 0
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				perr = fmt.Errorf("show stat: %s %q is not a number", name, v)
			}
			return n
		}
		row := statRow{Proxy: get("pxname"), Server: get("svname"), Status: get("status")}
		row.Sessions, row.SessionLimit, row.Queue = int(num("scur")), int(num("slim")), int(num("qcur"))
		c := &row.Counters
		c.HTTP = get("hrsp_5xx") != ""
		for i, name := range responseColumns {
			c.Responses[i] = num(name)
		}
		c.Denied = num("dreq")
		if get("req_tot") != "" {
			c.Requests = num("req_tot")
		} else {
			c.Requests = num("stot")
		}
		if perr != nil {
			return nil, perr
		}
		if row.Proxy == "" || row.Server == "" {
			return nil, fmt.Errorf("show stat: row without proxy or server name")
		}
		out[row.Proxy+"/"+row.Server] = row
	}
}

// responseColumns are the response counters by class, as in
// integrations.Counters.Responses.
var responseColumns = [...]string{"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx"}

// infoStatCommand asks one worker for its identity and its counters on
// one connection, so both answers come from the same process: a reload
// between two readings shows as a new Pid, and the counters' delta
// restarts instead of mixing two workers' counts.
const infoStatCommand = "show info;show stat"

// parseInfoStat splits the answer to infoStatCommand into the worker's
// Pid and the parsed `show stat` rows.
func parseInfoStat(text string) (pid string, rows map[string]statRow, err error) {
	info, stat, ok := strings.Cut(text, "# pxname,")
	if !ok {
		return "", nil, fmt.Errorf("show stat: no CSV header in answer %q", firstLines(strings.TrimSpace(text), 2))
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Pid:"); ok {
			pid = strings.TrimSpace(v)
		}
	}
	if pid == "" {
		return "", nil, fmt.Errorf("show info: no Pid in answer %q", firstLines(strings.TrimSpace(info), 2))
	}
	rows, err = parseStat("# pxname," + stat)
	return pid, rows, err
}

// parseProc parses the master CLI's `show proc`:
//
//	#<PID>  <type>  <reloads>  <uptime>  <version>
//	5033    master  2 [failed: 1]  0d00h01m11s  2.6.12
//	# workers
//	5416    worker  1  0d00h00m59s  2.6.12
//	# old workers
//	...
func parseProc(text string) (integrations.ProcessInfo, error) {
	var info integrations.ProcessInfo
	section := ""
	sawMaster := false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			section = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			continue // program lines or notices, not processes
		}
		switch {
		case f[1] == "master":
			sawMaster = true
			if info.Reloads, err = strconv.Atoi(f[2]); err != nil {
				return info, fmt.Errorf("show proc: reload count %q is not a number", f[2])
			}
			if i := strings.Index(line, "[failed:"); i >= 0 {
				v := strings.TrimSuffix(strings.Fields(line[i+len("[failed:"):])[0], "]")
				if info.FailedReloads, err = strconv.Atoi(v); err != nil {
					return info, fmt.Errorf("show proc: failed count %q is not a number", v)
				}
			}
		case f[1] == "worker" && section == "workers":
			if info.CurrentPID == 0 {
				info.CurrentPID = pid
			}
		case f[1] == "worker" && section == "old workers":
			info.OldWorkers++
		}
	}
	if !sawMaster {
		return info, fmt.Errorf("show proc: no master line in answer %q (is this the master CLI?)", firstLines(strings.TrimSpace(text), 2))
	}
	return info, nil
}

// parseMap parses `show map <file>` lines ("0x55a2… key value") into
// key → value.
func parseMap(text string) (map[string]string, error) {
	out := map[string]string{}
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || !strings.HasPrefix(f[0], "0x") {
			return nil, fmt.Errorf("show map: unexpected line %q", firstLines(strings.TrimSpace(line), 1))
		}
		out[f[1]] = f[2]
	}
	return out, nil
}
