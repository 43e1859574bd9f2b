package haproxy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// Answers for a large fleet: n servers in one instance's backend "web",
// with every counter `show stat` has, the counters advanced by step.
func bigAnswers(n int, step uint64) (state, stat string) {
	var st, sc strings.Builder
	st.WriteString("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n")
	sc.WriteString("Name: HAProxy\nVersion: 2.6.12\nPid: 4242\nUptime_sec: 100\n\n")
	sc.WriteString("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,\n")
	row := func(px, sv string, req, ok, bad uint64) {
		fmt.Fprintf(&sc, "%s,%s,0,0,3,9,,%d,0,0,0,0,,0,0,0,0,UP,1,1,0,0,0,1,0,,1,3,1,,%d,,2,0,,9,L7OK,200,1,0,%d,0,0,%d,0,,0,12,%d,0,0,0,0,0,0,0,0,,0,0,0,0,,,,,,2,3,4,,,,10.0.0.1:8080,,http,,,,,,,,0,0,0,,,0,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,\n", px, sv, req, req, ok, bad, req)
	}
	row("http", "FRONTEND", uint64(n)*1000*step, uint64(n)*990*step, uint64(n)*10*step)
	for i := range n {
		fmt.Fprintf(&st, "3 web %d web%d 10.0.%d.%d 2 0 1 1 10 6 3 4 6 0 0 0 - 8080 - 0 0 - - 0\n", i+1, i, i/250, i%250)
		bad := uint64(10)
		if i == 7 {
			bad = 300 // one odd server for the rule to find
		}
		row("web", fmt.Sprintf("web%d", i), 1000*step, (1000-bad)*step, bad*step)
	}
	row("web", "BACKEND", uint64(n)*1000*step, uint64(n)*990*step, uint64(n)*10*step)
	return st.String(), sc.String()
}

// BenchmarkSample200Servers is one poll's work for an instance of 200
// servers, apart from the socket round trips: parse `show servers state`
// and `show info;show stat`, take the counter deltas, mark the odd one out
// and make the samples. At a 10 s interval, 1% of one core is 100 ms.
func BenchmarkSample200Servers(b *testing.B) {
	state, stat := bigAnswers(200, 1)
	state2, stat2 := bigAnswers(200, 2)
	f, err := New(Options{Instances: []InstanceOptions{{Name: "edge-1", RuntimeAddr: "/run/x.sock"}}})
	if err != nil {
		b.Fatal(err)
	}
	inst := f.instances[0]
	at := time.Unix(1000, 0)
	var sampler integrations.BackendSampler
	poll := func(state, stat string) integrations.BackendsSnapshot {
		states, err := parseServersState(state)
		if err != nil {
			b.Fatal(err)
		}
		pid, rows, err := parseInfoStat(stat)
		if err != nil {
			b.Fatal(err)
		}
		r := inst.assemble(states, pid, rows)
		at = at.Add(10 * time.Second)
		f.measure(inst.Name, r, at)
		snap := integrations.BackendsSnapshot{Source: "haproxy", Backends: r.servers, Proxies: r.proxies}
		oddone.Default.Mark(&snap, f.tier)
		sampler.Samples(snap, at)
		return snap
	}
	poll(state, stat)
	if snap := poll(state2, stat2); snap.Backends[7].OddOneOut == "" || !snap.Backends[0].Rates.Measured() {
		b.Fatalf("the benchmark's poll measures nothing: %+v", snap.Backends[7])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			poll(state, stat)
		} else {
			poll(state2, stat2)
		}
		i++
	}
}

func BenchmarkParseServersState1000(b *testing.B) {
	state, _ := bigAnswers(1000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseServersState(state); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseStat1000(b *testing.B) {
	_, stat := bigAnswers(1000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parseInfoStat(stat); err != nil {
			b.Fatal(err)
		}
	}
}

// One poll of 200 servers must cost well under 1% of one core at a 10 s
// interval (100 ms of work).
func TestSampling200ServersCostsUnderOnePercentOfACore(t *testing.T) {
	if testing.Short() {
		t.Skip("measures CPU time")
	}
	r := testing.Benchmark(BenchmarkSample200Servers)
	if per := time.Duration(r.NsPerOp()); r.N == 0 || per > 100*time.Millisecond {
		t.Fatalf("one poll of 200 servers took %s (%d runs): over 1%% of a core at a 10 s interval", per, r.N)
	}
}
