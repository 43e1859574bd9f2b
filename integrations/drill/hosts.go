package drill

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Host is one machine of a hosts model: a disk that may fill, services
// under systemd or a process manager (pm2), and jobs that may hang
// holding a lock. Other models watch its services and jobs.
type Host struct {
	ID, Name string
	Disk     *Disk
	Services []*Service
	Jobs     []*Job
	removed  []string // lock files removed
}

// Disk is a host's log volume.
type Disk struct {
	Device, Mount string
	SizeGB        float64
	BaseGB        float64 // what is not logs
	Logs          []*LogDir
	GrowGBPerHour float64 // how fast the live logs grow
}

// LogDir is a log directory: the live file and rotated ones.
type LogDir struct {
	Path              string
	LiveGB, RotatedGB float64
}

func (d *Disk) usedGB() float64 {
	u := d.BaseGB
	for _, l := range d.Logs {
		u += l.LiveGB + l.RotatedGB
	}
	return min(u, d.SizeGB)
}

func (d *Disk) full() bool { return d.usedGB() >= d.SizeGB-0.001 }

// Service is a long-running process under a manager.
type Service struct {
	Name    string
	Manager string // "systemd" or "pm2"
	Running bool
	// Serves marks the application the host's web server line depends on.
	Serves bool
	// NeedsDisk: it dies when the disk is full and cannot start on one.
	NeedsDisk bool
	// DumpBroken: the process manager cannot resurrect from its dump file.
	DumpBroken bool
	Crash      string // why it last died, as its log says
	Restarts   int
	onRestart  func(w *World)
}

// Job is a process that may hang, holding a lock: Name is its process
// name (what pgrep -x matches), Cmd its command line.
type Job struct {
	PID             int
	Name, Cmd, Lock string
	Since           time.Time
	killed          bool
	onKill          func(w *World)
}

// hosts is the model of a set of hosts; perInstance, when set, gives each
// instance of a group a host of its own on first use.
type hosts struct {
	list        []*Host
	group       string
	perInstance func(in integrations.Instance) *Host
}

func (m *hosts) host(w *World, id string) *Host {
	for _, h := range m.list {
		if h.ID == id || h.Name == id {
			return h
		}
	}
	if m.perInstance == nil {
		return nil
	}
	for _, in := range w.instances(m.group) {
		if in.ID == id {
			h := m.perInstance(in)
			m.list = append(m.list, h)
			return h
		}
	}
	return nil
}

func (m *hosts) owns(w *World, id string) bool { return m.host(w, id) != nil }

func (m *hosts) second(w *World) []integrations.Event {
	var out []integrations.Event
	for _, h := range m.list {
		d := h.Disk
		if d == nil {
			continue
		}
		for _, l := range d.Logs[:1] { // the application's own log grows
			l.LiveGB = min(l.LiveGB+d.GrowGBPerHour/3600, d.SizeGB)
		}
		if !d.full() {
			continue
		}
		w.mark("disk-full")
		for _, s := range h.Services {
			if s.NeedsDisk && s.Running {
				s.Running, s.Crash = false, "Error: ENOSPC: no space left on device, write"
				out = append(out, hostRecord(w, h, fmt.Sprintf("%s: %s exited (%s)", h.Name, s.Name, s.Crash)))
			}
		}
	}
	return out
}

func hostRecord(w *World, h *Host, text string) integrations.Record {
	return integrations.Record{Occurred: w.now, Source: integrations.SourceAWS, Kind: integrations.KindHostChange, Text: text,
		Fields: map[string]string{"instance": h.ID, "host": h.Name}}
}

func (m *hosts) gauges(_ *World, into map[string]float64) {
	for _, h := range m.list {
		if h.Disk != nil {
			into[GaugeDiskUsed] = max(into[GaugeDiskUsed], h.Disk.usedGB()/h.Disk.SizeGB)
		}
	}
}

func (m *hosts) down(w *World, instance string) bool {
	if h := m.known(instance); h != nil {
		for _, s := range h.Services {
			if s.Serves && !s.Running {
				return true
			}
		}
	}
	return false
}

func (m *hosts) failShare(*World, string) float64 { return 0 }

// known finds a host already made, without making one.
func (m *hosts) known(id string) *Host {
	for _, h := range m.list {
		if h.ID == id {
			return h
		}
	}
	return nil
}

func (h *Host) service(name string) *Service {
	for _, s := range h.Services {
		if s.Name == name || s.Name+".service" == name {
			return s
		}
	}
	return nil
}

func (m *hosts) run(w *World, id string, c command) (string, int) {
	h := m.host(w, id)
	switch c.name() {
	case "df":
		return h.df(), 0
	case "du":
		return h.du(), 0
	case "find":
		return h.find(c)
	case "truncate", "journalctl":
		return h.truncate(c)
	case "rm":
		return "", 0 // a stale lock file: the lock itself died with its job
	case "pkill", "kill":
		return h.kill(w, c)
	case "ps", "pgrep":
		return h.ps(c), 0
	case "systemctl":
		return h.systemctl(w, c)
	case "pm2":
		return h.pm2(w, c)
	case "tail", "cat":
		return h.tail(c), 0
	case "echo":
		return strings.Join(c.args(), " ") + "\n", 0
	case "true", "uptime", "hostname", "sleep", "sync", "":
		return "", 0
	}
	return fmt.Sprintf("sh: 1: %s: not found\n", c.name()), 127
}

func gb(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0fM", v*1024)
	}
	return fmt.Sprintf("%.1fG", v)
}

func (h *Host) df() string {
	out := "Filesystem      Size  Used Avail Use% Mounted on\n"
	d := h.Disk
	if d == nil {
		return out + "/dev/nvme0n1p1   20G   19G  1.0G  95% /\n"
	}
	used := d.usedGB()
	return out + fmt.Sprintf("%-15s %4s %5s %5s %3.0f%% %s\n", d.Device, gb(d.SizeGB), gb(used), gb(d.SizeGB-used), 100*used/d.SizeGB, d.Mount)
}

func (h *Host) du() string {
	if h.Disk == nil {
		return "12M\t/var/log/syslog\n"
	}
	logs := slices.Clone(h.Disk.Logs)
	slices.SortStableFunc(logs, func(a, b *LogDir) int {
		switch x, y := a.LiveGB+a.RotatedGB, b.LiveGB+b.RotatedGB; {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	var b strings.Builder
	for _, l := range logs {
		fmt.Fprintf(&b, "%s\t%s\n", gb(l.LiveGB+l.RotatedGB), l.Path)
	}
	return b.String()
}

// logsUnder lists the log directories at or below path.
func (h *Host) logsUnder(path string) []*LogDir {
	var out []*LogDir
	if h.Disk == nil {
		return nil
	}
	for _, l := range h.Disk.Logs {
		if strings.HasPrefix(l.Path, strings.TrimSuffix(path, "/")) || strings.HasPrefix(path, l.Path) {
			out = append(out, l)
		}
	}
	return out
}

// find PATH … [-delete] lists or deletes the rotated logs below PATH.
func (h *Host) find(c command) (string, int) {
	args := c.args()
	if len(args) == 0 {
		return "find: missing path\n", 1
	}
	var b strings.Builder
	freed := 0.0
	for _, l := range h.logsUnder(args[0]) {
		if l.RotatedGB <= 0 {
			continue
		}
		if c.has("-print") || !c.has("-delete") {
			for i := 1; i <= 3; i++ {
				fmt.Fprintf(&b, "%s/out.log.%d.gz\n", l.Path, i)
			}
		}
		if c.has("-delete") {
			freed += l.RotatedGB
			l.RotatedGB = 0
		}
	}
	if c.has("-delete") {
		fmt.Fprintf(&b, "removed %s of rotated logs under %s\n", gb(freed), args[0])
	}
	return b.String(), 0
}

// truncate -s 0 FILE empties a live log; journalctl --vacuum-* drops
// rotated journal files.
func (h *Host) truncate(c command) (string, int) {
	if c.name() == "journalctl" {
		for _, l := range h.logsUnder("/var/log/journal") {
			l.RotatedGB = 0
		}
		return "Vacuuming done.\n", 0
	}
	path := c.lastArg()
	dirs := h.logsUnder(path)
	if len(dirs) == 0 {
		return fmt.Sprintf("truncate: cannot open '%s' for writing: No such file or directory\n", path), 1
	}
	for _, l := range dirs {
		l.LiveGB = 0
	}
	return "", 0
}

func (h *Host) kill(w *World, c command) (string, int) {
	pattern := c.lastArg()
	n := 0
	for _, j := range h.Jobs {
		if j.killed || !strings.Contains(j.Cmd, pattern) && fmt.Sprint(j.PID) != pattern {
			continue
		}
		h.stop(w, j)
		n++
	}
	for _, s := range h.Services {
		if s.Running && strings.Contains(s.Name, pattern) {
			s.Running = false
			n++
			w.pending = append(w.pending, hostRecord(w, h, fmt.Sprintf("%s: %s stopped", h.Name, s.Name)))
		}
	}
	if n == 0 {
		return "", 1 // pkill: no process matched
	}
	return "", 0
}

// stop ends a job: its lock dies with it.
func (h *Host) stop(w *World, j *Job) {
	j.killed = true
	w.pending = append(w.pending, hostRecord(w, h, fmt.Sprintf("%s: job %d (%s) stopped; lock %s released", h.Name, j.PID, j.Cmd, j.Lock)))
	if j.onKill != nil {
		j.onKill(w)
	}
}

// clearJob is a stuck-job script read by what it does: find the process
// by its exact name, show it, stop it, remove its lock file.
func (h *Host) clearJob(w *World, name, lock string) (string, int) {
	var b strings.Builder
	var found *Job
	for _, j := range h.Jobs {
		if !j.killed && j.Name == name {
			found = j
		}
	}
	if found == nil {
		fmt.Fprintf(&b, "no process named %s\n", name)
	} else {
		fmt.Fprintf(&b, "    PID     ELAPSED STAT COMMAND\n%7d %11s S    %s\n", found.PID, elapsed(w.now.Sub(found.Since)), found.Cmd)
		h.stop(w, found)
	}
	switch {
	case lock == "":
	case found != nil && found.Lock == lock, h.staleLock(lock):
		fmt.Fprintf(&b, "-rw-r--r-- 1 root root 6 %s %s\nremoved lock %s\n", found0Since(found, w.now).Format("Jan _2 15:04"), lock, lock)
		h.removed = append(h.removed, lock)
	default:
		fmt.Fprintf(&b, "no lock file %s\n", lock)
	}
	return b.String(), 0
}

// staleLock says a killed job's lock file is still on disk.
func (h *Host) staleLock(lock string) bool {
	for _, j := range h.Jobs {
		if j.killed && j.Lock == lock && !slices.Contains(h.removed, lock) {
			return true
		}
	}
	return false
}

func found0Since(j *Job, now time.Time) time.Time {
	if j == nil {
		return now
	}
	return j.Since
}

// elapsed writes a duration as ps's etime does: [[dd-]hh:]mm:ss.
func elapsed(d time.Duration) string {
	s := int(d.Seconds())
	days, hours, mins, secs := s/86400, s/3600%24, s/60%60, s%60
	if days > 0 {
		return fmt.Sprintf("%d-%02d:%02d:%02d", days, hours, mins, secs)
	}
	return fmt.Sprintf("%02d:%02d:%02d", hours, mins, secs)
}

func (h *Host) ps(c command) string {
	var b strings.Builder
	if c.name() == "ps" {
		b.WriteString("  PID ELAPSED CMD\n")
	}
	pattern := ""
	if c.name() == "pgrep" {
		pattern = c.lastArg()
	}
	for _, j := range h.Jobs {
		if !j.killed && (c.has("-x") && j.Name == pattern || !c.has("-x") && strings.Contains(j.Cmd, pattern)) {
			fmt.Fprintf(&b, "%5d %s (holds %s)\n", j.PID, j.Cmd, j.Lock)
		}
	}
	for i, s := range h.Services {
		if s.Running && strings.Contains(s.Name, pattern) {
			fmt.Fprintf(&b, "%5d %7s %s\n", 2100+10*i, "3:12:40", s.Name)
		}
	}
	return b.String()
}

func (h *Host) systemctl(w *World, c command) (string, int) {
	args := c.args()
	if len(args) < 2 {
		return "systemctl: too few arguments\n", 1
	}
	verb, s := args[0], h.service(args[len(args)-1])
	if s == nil || s.Manager != "systemd" {
		return fmt.Sprintf("Unit %s could not be found.\n", args[len(args)-1]), 4
	}
	switch verb {
	case "status", "is-active":
		state := "active (running)"
		if !s.Running {
			state = "failed (Result: exit-code)"
		}
		if verb == "is-active" {
			return strings.Fields(state)[0] + "\n", map[bool]int{true: 0, false: 3}[s.Running]
		}
		return fmt.Sprintf("● %s.service\n     Active: %s\n", s.Name, state), map[bool]int{true: 0, false: 3}[s.Running]
	case "stop":
		s.Running = false
		return "", 0
	case "restart", "start":
		return h.start(w, s, fmt.Sprintf("Job for %s.service failed because the control process exited with error code.\n", s.Name))
	}
	return fmt.Sprintf("Unknown command verb %s.\n", verb), 1
}

// start starts a service unless its disk is full.
func (h *Host) start(w *World, s *Service, failure string) (string, int) {
	if s.NeedsDisk && h.Disk != nil && h.Disk.full() {
		s.Running, s.Crash = false, "Error: ENOSPC: no space left on device, write"
		return failure, 1
	}
	s.Running, s.Crash = true, ""
	s.Restarts++
	w.pending = append(w.pending, hostRecord(w, h, fmt.Sprintf("%s: %s restarted", h.Name, s.Name)))
	if s.onRestart != nil {
		s.onRestart(w)
	}
	return "", 0
}

func (h *Host) pm2(w *World, c command) (string, int) {
	args := c.args()
	if len(args) == 0 {
		return "usage: pm2 [cmd] app\n", 1
	}
	switch args[0] {
	case "status", "list", "ls", "jlist":
		var b strings.Builder
		b.WriteString("│ id │ name │ status  │ restarts │\n")
		for i, s := range h.Services {
			if s.Manager == "pm2" {
				st := "online"
				if !s.Running {
					st = "errored"
				}
				fmt.Fprintf(&b, "│ %d  │ %s │ %-7s │ %d │\n", i, s.Name, st, s.Restarts)
			}
		}
		return b.String(), 0
	case "resurrect":
		for _, s := range h.Services {
			if s.Manager == "pm2" && s.DumpBroken {
				return "[PM2] Resurrecting\n[PM2][ERROR] EACCES: permission denied, open '/home/deploy/.pm2/dump.pm2'\n", 1
			}
		}
		return "[PM2] Resurrecting\n", 0
	case "restart", "start", "reload":
		s := h.service(c.lastArg())
		if s == nil || s.Manager != "pm2" {
			return fmt.Sprintf("[PM2][ERROR] Process or Namespace %s not found\n", c.lastArg()), 1
		}
		ok := fmt.Sprintf("[PM2] Applying action restartProcessId on app [%s]\n[PM2] [%s] ✓\n", s.Name, s.Name)
		if _, code := h.start(w, s, ""); code != 0 {
			// pm2 restarts it and it dies at once, writing its first log line.
			return ok + fmt.Sprintf("[PM2] App [%s] exited with code [1]: %s\n", s.Name, s.Crash), 0
		}
		return ok, 0
	case "logs":
		return h.tail(c), 0
	}
	return fmt.Sprintf("[PM2][ERROR] Command %s not found\n", args[0]), 1
}

// tail shows the last lines of a log: why the application died.
func (h *Host) tail(command) string {
	for _, s := range h.Services {
		if s.Crash != "" {
			return fmt.Sprintf("%s\n    at WriteStream.onerror (node:internal/fs/streams:447:5)\n", s.Crash)
		}
	}
	return "GET /health 200 2ms\n"
}
