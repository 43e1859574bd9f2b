package haproxy

import (
	"fmt"
	"strings"
	"testing"
)

// Answers for a large fleet: 1,000 servers in one instance.
func bigAnswers() (state, stat string) {
	var st, sc strings.Builder
	st.WriteString("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n")
	sc.WriteString("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,\n")
	for i := range 1000 {
		fmt.Fprintf(&st, "3 web %d web%d 10.0.%d.%d 2 0 1 1 10 6 3 4 6 0 0 0 - 8080 - 0 0 - - 0\n", i+1, i, i/250, i%250)
		fmt.Fprintf(&sc, "web,web%d,0,0,3,9,,1000,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,1,0,,1,3,%d,,1000,,2,0,,9,L7OK,200,1,0,990,0,0,10,\n", i, i+1)
	}
	return st.String(), sc.String()
}

func BenchmarkParseServersState1000(b *testing.B) {
	state, _ := bigAnswers()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseServersState(state); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseStat1000(b *testing.B) {
	_, stat := bigAnswers()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseStat(stat); err != nil {
			b.Fatal(err)
		}
	}
}
