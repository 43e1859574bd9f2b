package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeAWS is a local server speaking the three wire protocols the adapter
// uses: Auto Scaling's AWS Query (form POST, XML with <member> lists),
// EC2's ec2query (<item> lists, <Response><Errors>) and SSM's JSON 1.1
// (X-Amz-Target). It keeps a small world the tests edit between polls.
type fakeAWS struct {
	srv *httptest.Server

	mu        sync.Mutex
	groups    map[string]*fakeGroup
	ec2       map[string]fakeEC2
	pageSize  int            // groups per DescribeAutoScalingGroups page
	calls     map[string]int // per action
	requests  []url.Values   // Auto Scaling and EC2 forms, in order
	fault     func(w http.ResponseWriter, action string) bool
	commands  map[string]*fakeCommand
	commandID int
	// hidden is how many GetCommandInvocation calls per instance answer
	// InvocationDoesNotExist before the invocation appears.
	hidden int
	// run decides a command's outcome on one instance.
	run func(instance, command string) fakeResult
	// pollsToFinish is how many visible polls report InProgress first.
	pollsToFinish int
}

type fakeGroup struct {
	name              string
	min, max, desired int
	created           time.Time
	tags              map[string]string
	instances         []fakeMember
	activities        []fakeActivity // newest first
	lastSetDesired    int
	setDesiredCalls   int
	honorCooldown     string
}

type fakeMember struct{ id, zone, lifecycle, health string }

type fakeActivity struct {
	id, description, cause, status, message string
	start, end                              time.Time
}

type fakeEC2 struct {
	state, ip, zone string
	launched        time.Time
}

type fakeResult struct {
	status         string
	code           int
	stdout, stderr string
}

type fakeCommand struct {
	command    string
	parameters map[string][]string
	instances  []string
	// maxConcurrency and maxErrors are SendCommand's fields as sent ("" when
	// absent); they decide which instances the command reaches.
	maxConcurrency, maxErrors string
	polls                     map[string]int
	cancelled                 bool
}

func newFakeAWS(t testing.TB) *fakeAWS {
	f := &fakeAWS{
		groups:   map[string]*fakeGroup{},
		ec2:      map[string]fakeEC2{},
		pageSize: 50,
		calls:    map[string]int{},
		commands: map[string]*fakeCommand{},
		run: func(string, string) fakeResult {
			return fakeResult{status: "Success", stdout: "ok\n"}
		},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// config is the SDK configuration tests use: static credentials, the fake
// as endpoint, and no SDK retries so each fault reaches the adapter.
func (f *fakeAWS) config() *awssdk.Config {
	return &awssdk.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
		BaseEndpoint:     awssdk.String(f.srv.URL),
		RetryMaxAttempts: 1,
	}
}

// addGroup adds a group whose members are InService with EC2 details;
// ips are 10.0.0.<n>.
func (f *fakeAWS) addGroup(name string, min, desired, max int, ids ...string) *fakeGroup {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &fakeGroup{name: name, min: min, max: max, desired: desired, created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, id := range ids {
		g.instances = append(g.instances, fakeMember{id: id, zone: "us-east-1a", lifecycle: "InService", health: "Healthy"})
		f.ec2[id] = fakeEC2{state: "running", ip: "10.0.0." + strconv.Itoa(len(f.ec2)+1), zone: "us-east-1a",
			launched: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)}
	}
	f.groups[name] = g
	return g
}

func (f *fakeAWS) edit(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeAWS) callCount(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

func (f *fakeAWS) setFault(fn func(w http.ResponseWriter, action string) bool) {
	f.edit(func() { f.fault = fn })
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		action := strings.TrimPrefix(target, "AmazonSSM.")
		if f.faulted(w, action) {
			return
		}
		f.serveSSM(w, action, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	action := form.Get("Action")
	f.mu.Lock()
	f.requests = append(f.requests, form)
	f.mu.Unlock()
	if f.faulted(w, action) {
		return
	}
	switch form.Get("Version") {
	case "2011-01-01":
		f.serveAutoScaling(w, action, form)
	case "2016-11-15":
		f.serveEC2(w, action, form)
	default:
		http.Error(w, "unknown version", 400)
	}
}

func (f *fakeAWS) faulted(w http.ResponseWriter, action string) bool {
	f.mu.Lock()
	f.calls[action]++
	fault := f.fault
	f.mu.Unlock()
	return fault != nil && fault(w, action)
}

// members reads a Query list: prefix.member.1, prefix.member.2, ...
func members(form url.Values, prefix string) []string {
	var out []string
	for i := 1; form.Has(fmt.Sprintf("%s.member.%d", prefix, i)); i++ {
		out = append(out, form.Get(fmt.Sprintf("%s.member.%d", prefix, i)))
	}
	return out
}

var esc = html.EscapeString

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func queryXML(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></%sResponse>`,
		action, action, result, action, action)
}

// queryError writes Auto Scaling's error document.
func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`, code, esc(msg))
}

// ec2Error writes EC2's error document.
func ec2Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req-err</RequestID></Response>`, code, esc(msg))
}

func (f *fakeAWS) serveAutoScaling(w http.ResponseWriter, action string, form url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "DescribeAutoScalingGroups":
		f.describeGroups(w, form)
	case "DescribeScalingActivities":
		g := f.groups[form.Get("AutoScalingGroupName")]
		var b strings.Builder
		b.WriteString("<Activities>")
		if g != nil {
			limit, _ := strconv.Atoi(form.Get("MaxRecords"))
			for i, a := range g.activities {
				if limit > 0 && i >= limit {
					break
				}
				fmt.Fprintf(&b, "<member><ActivityId>%s</ActivityId><AutoScalingGroupName>%s</AutoScalingGroupName><Description>%s</Description><Cause>%s</Cause><StartTime>%s</StartTime>",
					a.id, g.name, esc(a.description), esc(a.cause), ts(a.start))
				if !a.end.IsZero() {
					fmt.Fprintf(&b, "<EndTime>%s</EndTime>", ts(a.end))
				}
				fmt.Fprintf(&b, "<StatusCode>%s</StatusCode><StatusMessage>%s</StatusMessage><Progress>100</Progress></member>", a.status, esc(a.message))
			}
		}
		b.WriteString("</Activities>")
		queryXML(w, action, b.String())
	case "SetDesiredCapacity":
		g := f.groups[form.Get("AutoScalingGroupName")]
		if g == nil {
			queryError(w, 400, "ValidationError", "AutoScalingGroup name not found")
			return
		}
		n, _ := strconv.Atoi(form.Get("DesiredCapacity"))
		g.setDesiredCalls++
		g.lastSetDesired = n
		g.honorCooldown = form.Get("HonorCooldown")
		g.desired = n
		queryXML(w, action, "")
	default:
		queryError(w, 400, "InvalidAction", "unknown action "+action)
	}
}

func (f *fakeAWS) describeGroups(w http.ResponseWriter, form url.Values) {
	names := members(form, "AutoScalingGroupNames")
	wantTags := map[string]string{}
	for i := 1; form.Has(fmt.Sprintf("Filters.member.%d.Name", i)); i++ {
		name := form.Get(fmt.Sprintf("Filters.member.%d.Name", i))
		if k, ok := strings.CutPrefix(name, "tag:"); ok {
			wantTags[k] = form.Get(fmt.Sprintf("Filters.member.%d.Values.member.1", i))
		}
	}
	var matched []*fakeGroup
	for _, name := range slices.Sorted(maps.Keys(f.groups)) {
		g := f.groups[name]
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		ok := true
		for k, v := range wantTags {
			ok = ok && g.tags[k] == v
		}
		if ok {
			matched = append(matched, g)
		}
	}
	start, _ := strconv.Atoi(form.Get("NextToken"))
	end := min(start+f.pageSize, len(matched))
	var b strings.Builder
	b.WriteString("<AutoScalingGroups>")
	for _, g := range matched[start:end] {
		fmt.Fprintf(&b, "<member><AutoScalingGroupName>%s</AutoScalingGroupName><MinSize>%d</MinSize><MaxSize>%d</MaxSize><DesiredCapacity>%d</DesiredCapacity><CreatedTime>%s</CreatedTime><Instances>",
			g.name, g.min, g.max, g.desired, ts(g.created))
		for _, m := range g.instances {
			fmt.Fprintf(&b, "<member><InstanceId>%s</InstanceId><AvailabilityZone>%s</AvailabilityZone><LifecycleState>%s</LifecycleState><HealthStatus>%s</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>",
				m.id, m.zone, m.lifecycle, m.health)
		}
		b.WriteString("</Instances></member>")
	}
	b.WriteString("</AutoScalingGroups>")
	if end < len(matched) {
		fmt.Fprintf(&b, "<NextToken>%d</NextToken>", end)
	}
	queryXML(w, "DescribeAutoScalingGroups", b.String())
}

func (f *fakeAWS) serveEC2(w http.ResponseWriter, action string, form url.Values) {
	if action != "DescribeInstances" {
		ec2Error(w, 400, "InvalidAction", "unknown action "+action)
		return
	}
	var ids []string
	for i := 1; form.Has(fmt.Sprintf("Filter.%d.Name", i)); i++ {
		if form.Get(fmt.Sprintf("Filter.%d.Name", i)) != "instance-id" {
			continue
		}
		for j := 1; form.Has(fmt.Sprintf("Filter.%d.Value.%d", i, j)); j++ {
			ids = append(ids, form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j)))
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-2</requestId><reservationSet>`)
	for _, id := range ids {
		in, ok := f.ec2[id]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, `<item><reservationId>r-%s</reservationId><instancesSet><item><instanceId>%s</instanceId><instanceState><code>16</code><name>%s</name></instanceState><privateIpAddress>%s</privateIpAddress><launchTime>%s</launchTime><placement><availabilityZone>%s</availabilityZone></placement></item></instancesSet></item>`,
			id, id, in.state, in.ip, ts(in.launched), in.zone)
	}
	b.WriteString(`</reservationSet></DescribeInstancesResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, b.String())
}

// ssmError writes a JSON 1.1 error.
func ssmError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (f *fakeAWS) serveSSM(w http.ResponseWriter, action string, body []byte) {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		ssmError(w, 400, "SerializationException", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch action {
	case "SendCommand":
		f.commandID++
		id := fmt.Sprintf("cmd-%d", f.commandID)
		c := &fakeCommand{polls: map[string]int{}, parameters: map[string][]string{}}
		for _, v := range in["InstanceIds"].([]any) {
			c.instances = append(c.instances, v.(string))
		}
		for k, vs := range in["Parameters"].(map[string]any) {
			for _, v := range vs.([]any) {
				c.parameters[k] = append(c.parameters[k], v.(string))
			}
		}
		c.command = strings.Join(c.parameters["commands"], "\n")
		c.maxConcurrency, _ = in["MaxConcurrency"].(string)
		c.maxErrors, _ = in["MaxErrors"].(string)
		if in["DocumentName"] != "AWS-RunShellScript" {
			ssmError(w, 400, "InvalidDocument", "unexpected document")
			return
		}
		f.commands[id] = c
		json.NewEncoder(w).Encode(map[string]any{"Command": map[string]any{
			"CommandId": id, "DocumentName": "AWS-RunShellScript", "Status": "Pending",
			"RequestedDateTime": float64(time.Now().Unix()),
		}})
	case "GetCommandInvocation":
		id, _ := in["CommandId"].(string)
		instance, _ := in["InstanceId"].(string)
		c := f.commands[id]
		if c == nil || !slices.Contains(c.instances, instance) {
			ssmError(w, 400, "InvalidCommandId", "no such command")
			return
		}
		c.polls[instance]++
		n := c.polls[instance]
		if n <= f.hidden {
			ssmError(w, 400, "InvocationDoesNotExist", "")
			return
		}
		out := map[string]any{"CommandId": id, "InstanceId": instance, "DocumentName": "AWS-RunShellScript"}
		switch {
		case c.cancelled || !f.reaches(c, instance):
			out["Status"] = "Cancelled"
		case n-f.hidden <= f.pollsToFinish:
			out["Status"] = "InProgress"
			out["ResponseCode"] = -1
		default:
			r := f.run(instance, c.command)
			out["Status"], out["ResponseCode"] = r.status, r.code
			out["StandardOutputContent"], out["StandardErrorContent"] = r.stdout, r.stderr
		}
		json.NewEncoder(w).Encode(out)
	case "CancelCommand":
		if c := f.commands[in["CommandId"].(string)]; c != nil {
			c.cancelled = true
		}
		io.WriteString(w, "{}")
	default:
		ssmError(w, 400, "UnknownOperationException", action)
	}
}

// reaches says whether SSM would send c to instance, given its bounds: it
// runs in batches of maxConcurrency in instance order and sends no new
// batch once more than maxErrors invocations have failed. Absent fields
// take SSM's defaults (50 at once, 0 errors).
func (f *fakeAWS) reaches(c *fakeCommand, instance string) bool {
	conc, errs := 50, 0
	if n, err := strconv.Atoi(c.maxConcurrency); err == nil {
		conc = n
	}
	if n, err := strconv.Atoi(c.maxErrors); err == nil {
		errs = n
	}
	failed := 0
	for i, id := range c.instances {
		if i%conc == 0 && failed > errs {
			return false // this batch and the rest are never sent
		}
		if id == instance {
			return true
		}
		if r := f.run(id, c.command); r.status != "Success" {
			failed++
		}
	}
	return false
}

// newTestSource builds a Source on the fake's endpoint.
func newTestSource(t testing.TB, f *fakeAWS, opts Options) *Source {
	t.Helper()
	opts.Config = f.config()
	if opts.CommandPoll == 0 {
		opts.CommandPoll = 5 * time.Millisecond
	}
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}
