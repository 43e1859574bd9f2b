package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
)

// channelServer is slacktest's local Slack extended with one channel's
// history: conversations.history (oldest, cursor pagination), users.info
// by id, conversations.list and conversations.info knowing the channel's
// name, and chat.postMessage storing into the history (slacktest's own
// hands each post to a goroutine that waits for an RTM client forever). Faults apply to conversations.history.
type channelServer struct {
	t       testing.TB
	token   string
	pageCap int
	faults  *sourcetest.Faults
	srv     *slacktest.Server

	mu        sync.Mutex
	channelID string
	name      string
	messages  []wireMessage // oldest first
	oldests   []string      // the oldest parameter of every history request
	userCalls map[string]int
	nextTS    int
	acks      []string // envelope ids acknowledged over Socket Mode
	sockets   int      // Socket Mode connections made

	envelopes chan []byte // Socket Mode envelopes waiting for a client
}

type wireMessage struct {
	Type     string `json:"type"`
	User     string `json:"user,omitempty"`
	Username string `json:"username,omitempty"`
	BotID    string `json:"bot_id,omitempty"`
	SubType  string `json:"subtype,omitempty"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts,omitempty"`
}

var people = map[string]string{"U1": "ana", "U2": "bo"}

func newChannelServer(t testing.TB, token string) *channelServer {
	cs := &channelServer{t: t, token: token, pageCap: 200, channelID: "C42", name: "inc-42", userCalls: map[string]int{}, nextTS: 1700000100,
		envelopes: make(chan []byte, 16)}
	handlers := map[string]http.HandlerFunc{
		"/conversations.history": cs.history,
		"/conversations.list":    cs.list,
		"/conversations.info":    cs.info,
		"/users.info":            cs.userInfo,
		"/auth.test":             cs.authTest,
		"/chat.postMessage":      cs.post,
		"/apps.connections.open": cs.openSocket,
	}
	mux := http.NewServeMux()
	for path, h := range handlers {
		mux.HandleFunc(path, h)
	}
	cs.faults = sourcetest.NewFaults(mux)
	cs.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for path := range handlers {
			c.Handle(path, cs.faults.ServeHTTP)
		}
		// slacktest's /ws speaks RTM and leaves a goroutine behind.
		c.Handle("/ws", slacktest.Websocket(cs.socketMode))
	})
	cs.srv.Start()
	t.Cleanup(cs.srv.Stop)
	return cs
}

func (cs *channelServer) url() string { return cs.srv.GetAPIURL() }

func (cs *channelServer) add(m wireMessage) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	m.Type = "message"
	cs.messages = append(cs.messages, m)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// authorized checks the token slack-go sends as a form field.
func (cs *channelServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.FormValue("token") != cs.token {
		reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return false
	}
	return true
}

func (cs *channelServer) history(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	if r.FormValue("channel") != cs.channelID {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	oldest := r.FormValue("oldest")
	limit, _ := strconv.Atoi(r.FormValue("limit"))
	limit = min(max(limit, 1), cs.pageCap)
	skip, _ := strconv.Atoi(r.FormValue("cursor"))

	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.oldests = append(cs.oldests, oldest)
	var newer []wireMessage // newest first, as Slack answers
	for i := len(cs.messages) - 1; i >= 0; i-- {
		m := cs.messages[i]
		if oldest == "" || tsAfter(m.TS, oldest) {
			newer = append(newer, m)
		}
	}
	lo := min(skip, len(newer))
	hi := min(lo+limit, len(newer))
	resp := map[string]any{"ok": true, "messages": newer[lo:hi], "has_more": hi < len(newer)}
	if hi < len(newer) {
		resp["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(hi)}
	}
	reply(w, resp)
}

func tsAfter(a, b string) bool {
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	return fa > fb
}

func (cs *channelServer) list(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	// Two pages, the incident channel on the second.
	if r.FormValue("cursor") == "" {
		reply(w, map[string]any{"ok": true, "channels": []map[string]any{{"id": "C1", "name": "general"}},
			"response_metadata": map[string]any{"next_cursor": "p2"}})
		return
	}
	reply(w, map[string]any{"ok": true, "channels": []map[string]any{{"id": cs.channelID, "name": cs.name}},
		"response_metadata": map[string]any{"next_cursor": ""}})
}

func (cs *channelServer) info(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	if r.FormValue("channel") != cs.channelID {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	reply(w, map[string]any{"ok": true, "channel": map[string]any{"id": cs.channelID, "name": cs.name, "is_channel": true}})
}

func (cs *channelServer) userInfo(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	id := r.FormValue("user")
	cs.mu.Lock()
	cs.userCalls[id]++
	cs.mu.Unlock()
	name, ok := people[id]
	if !ok {
		reply(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	reply(w, map[string]any{"ok": true, "user": map[string]any{
		"id": id, "name": name, "real_name": name + " real",
		"profile": map[string]any{"display_name": name, "real_name": name + " real"},
	}})
}

// authTest names the bot: the token posts as U1 (ana), as post stores.
func (cs *channelServer) authTest(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	reply(w, map[string]any{"ok": true, "user": people[botUser], "user_id": botUser, "team_id": "T1"})
}

// botUser is the user the bot token posts as.
const botUser = "U1"

func (cs *channelServer) post(w http.ResponseWriter, r *http.Request) {
	if !cs.authorized(w, r) {
		return
	}
	if r.FormValue("channel") != cs.channelID {
		reply(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	cs.mu.Lock()
	cs.nextTS++
	ts := fmt.Sprintf("%d.000100", cs.nextTS)
	cs.mu.Unlock()
	m := wireMessage{User: botUser, Text: escapeText(r.FormValue("text")), TS: ts, ThreadTS: r.FormValue("thread_ts")}
	// Slack lists only thread parents in a channel's history.
	if m.ThreadTS == "" {
		cs.add(m)
	}
	reply(w, map[string]any{"ok": true, "channel": cs.channelID, "ts": ts, "message": m})
}

// escapeText stores text as Slack does, with &, < and > as entities.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func (cs *channelServer) historyOldests() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.oldests...)
}

func (cs *channelServer) usersLookedUp() map[string]int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := map[string]int{}
	for k, v := range cs.userCalls {
		out[k] = v
	}
	return out
}

// openSocket answers apps.connections.open with the server's /ws, after
// checking the app-level token slack-go sends as a bearer token.
func (cs *channelServer) openSocket(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer xapp-") {
		reply(w, map[string]any{"ok": false, "error": "not_allowed_token_type"})
		return
	}
	reply(w, map[string]any{"ok": true, "url": cs.srv.GetWSURL()})
}

// socketMode speaks Socket Mode on one connection: hello, then each queued
// events_api envelope, recording the client's acknowledgements, until the
// client hangs up.
func (cs *channelServer) socketMode(c *websocket.Conn) {
	cs.mu.Lock()
	cs.sockets++
	cs.mu.Unlock()
	hello := map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "local"}}
	if c.WriteJSON(hello) != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := c.ReadJSON(&ack); err != nil {
				return
			}
			cs.mu.Lock()
			cs.acks = append(cs.acks, ack.EnvelopeID)
			cs.mu.Unlock()
		}
	}()
	for {
		select {
		case <-done:
			return
		case env := <-cs.envelopes:
			if c.WriteMessage(websocket.TextMessage, env) != nil {
				return
			}
		}
	}
}

// sendEvent queues a message event from channel for the Socket Mode client.
func (cs *channelServer) sendEvent(envelopeID, channel string, m wireMessage) {
	m.Type = "message"
	event := map[string]any{"type": "message", "channel": channel, "channel_type": "channel",
		"user": m.User, "text": m.Text, "ts": m.TS, "event_ts": m.TS}
	if m.ThreadTS != "" {
		event["thread_ts"] = m.ThreadTS
	}
	env, err := json.Marshal(map[string]any{
		"envelope_id": envelopeID, "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0,
		"payload": map[string]any{"token": "verification", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
			"event_id": "Ev" + envelopeID, "event_time": 1700000000, "event": event},
	})
	if err != nil {
		cs.t.Fatal(err)
	}
	cs.envelopes <- env
}

func (cs *channelServer) acked() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.acks...)
}
