package pagerduty_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
)

// pdServer answers the parts of PagerDuty's REST API v2 the source uses,
// with PagerDuty's wire shapes: JSON bodies typed application/json,
// limit/offset/more pagination capped at pageCap items, the
// "Token token=" Authorization scheme and the From header on changes.
type pdServer struct {
	t       testing.TB
	token   string
	pageCap int

	faults *sourcetest.Faults // in front of every endpoint

	mu        sync.Mutex
	incidents []incident // in creation order
	logs      map[string][]logEntry
	changes   []change
	notes     []note
	updates   []note // status updates, as notes are kept
}

type incident struct {
	ID, Title, Status, Urgency, Priority string
	Service                              string
	CreatedAt, ChangedAt, UpdatedAt      string
	ChangedBy                            string
}

type logEntry struct {
	ID, Type, At, Agent, Summary string
}

type change struct{ From, ID, Status string }

type note struct{ From, ID, Content string }

func newPDServer(t testing.TB, token string) *pdServer {
	return &pdServer{t: t, token: token, pageCap: 100, logs: map[string][]logEntry{}}
}

func (s *pdServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", s.listIncidents)
	mux.HandleFunc("PUT /incidents", s.manageIncidents)
	mux.HandleFunc("GET /incidents/{id}", s.getIncident)
	mux.HandleFunc("GET /incidents/{id}/log_entries", s.listLogEntries)
	mux.HandleFunc("POST /incidents/{id}/notes", s.createNote)
	mux.HandleFunc("POST /incidents/{id}/status_updates", s.createStatusUpdate)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Token token="+s.token {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"message": "Unauthorized", "code": 2006}})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *pdServer) start() *httptest.Server {
	s.faults = sourcetest.NewFaults(s.handler())
	srv := httptest.NewServer(s.faults)
	s.t.Cleanup(srv.Close)
	return srv
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Ratelimit-Limit", "960")
	w.Header().Set("Ratelimit-Remaining", "959")
	w.Header().Set("Ratelimit-Reset", "30")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *pdServer) set(f func(s *pdServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (inc incident) wire() map[string]any {
	m := map[string]any{
		"id":                    inc.ID,
		"type":                  "incident",
		"summary":               "[#" + inc.ID + "] " + inc.Title,
		"html_url":              "https://acme.pagerduty.com/incidents/" + inc.ID,
		"title":                 inc.Title,
		"status":                inc.Status,
		"urgency":               inc.Urgency,
		"created_at":            inc.CreatedAt,
		"updated_at":            inc.UpdatedAt,
		"last_status_change_at": inc.ChangedAt,
		"last_status_change_by": map[string]any{"id": "PU1", "type": "user_reference", "summary": inc.ChangedBy},
		"service":               map[string]any{"id": inc.Service, "type": "service_reference", "summary": "svc " + inc.Service},
		"priority":              nil,
	}
	if inc.Priority != "" {
		m["priority"] = map[string]any{"id": "PR" + inc.Priority, "type": "priority", "name": inc.Priority}
	}
	return m
}

// page applies limit/offset to n items, capping limit as PagerDuty does.
func (s *pdServer) page(r *http.Request, n int) (lo, hi int, limit int) {
	limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > s.pageCap {
		limit = s.pageCap
	}
	lo, _ = strconv.Atoi(r.URL.Query().Get("offset"))
	lo = min(max(lo, 0), n)
	return lo, min(lo+limit, n), limit
}

func (s *pdServer) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("date_range") != "all" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "expected date_range=all", "code": 2001}})
		return
	}
	statuses, services := q["statuses[]"], q["service_ids[]"]
	s.mu.Lock()
	defer s.mu.Unlock()
	var open []map[string]any
	for _, inc := range s.incidents {
		if slices.Contains(statuses, inc.Status) && (len(services) == 0 || slices.Contains(services, inc.Service)) {
			open = append(open, inc.wire())
		}
	}
	lo, hi, limit := s.page(r, len(open))
	writeJSON(w, http.StatusOK, map[string]any{
		"incidents": append([]map[string]any{}, open[lo:hi]...),
		"limit":     limit, "offset": lo, "more": hi < len(open), "total": nil,
	})
}

func (s *pdServer) find(id string) (*incident, bool) {
	for i := range s.incidents {
		if s.incidents[i].ID == id {
			return &s.incidents[i], true
		}
	}
	return nil, false
}

func (s *pdServer) getIncident(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, ok := s.find(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Not Found", "code": 2100}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incident": inc.wire()})
}

func (s *pdServer) listLogEntries(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad since", "code": 2001}})
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, e := range s.logs[r.PathValue("id")] {
		at, _ := time.Parse(time.RFC3339, e.At)
		if at.Before(since) {
			continue
		}
		out = append(out, map[string]any{
			"id": e.ID, "type": e.Type, "summary": e.Summary, "created_at": e.At,
			"agent":   map[string]any{"id": "PU1", "type": "user_reference", "summary": e.Agent},
			"channel": map[string]any{"type": "web_ui"},
		})
	}
	lo, hi, limit := s.page(r, len(out))
	writeJSON(w, http.StatusOK, map[string]any{
		"log_entries": append([]map[string]any{}, out[lo:hi]...),
		"limit":       limit, "offset": lo, "more": hi < len(out),
	})
}

func (s *pdServer) manageIncidents(w http.ResponseWriter, r *http.Request) {
	from := r.Header.Get("From")
	if from == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "You must specify a user's email address in the \"From\" header", "code": 2001}})
		return
	}
	var req struct {
		Incidents []struct{ ID, Type, Status string } `json:"incidents"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": err.Error(), "code": 2001}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, m := range req.Incidents {
		inc, ok := s.find(m.ID)
		if !ok || m.Type != "incident" {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Incident Not Found", "code": 2100}})
			return
		}
		s.changes = append(s.changes, change{From: from, ID: m.ID, Status: m.Status})
		inc.Status = m.Status
		out = append(out, inc.wire())
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (s *pdServer) createNote(w http.ResponseWriter, r *http.Request) {
	from := r.Header.Get("From")
	var req struct {
		Note struct{ Content string } `json:"note"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || from == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad note", "code": 2001}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.find(r.PathValue("id")); !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Incident Not Found", "code": 2100}})
		return
	}
	s.notes = append(s.notes, note{From: from, ID: r.PathValue("id"), Content: req.Note.Content})
	writeJSON(w, http.StatusCreated, map[string]any{"note": map[string]any{
		"id": fmt.Sprintf("PN%d", len(s.notes)), "content": req.Note.Content, "created_at": "2026-11-21T10:00:00Z",
		"user": map[string]any{"id": "PU1", "type": "user_reference", "summary": from},
	}})
}

// createStatusUpdate answers POST /incidents/{id}/status_updates as
// PagerDuty does: {"message": ...} in, the From header required, the
// status update wrapped in "status_update" out.
func (s *pdServer) createStatusUpdate(w http.ResponseWriter, r *http.Request) {
	from := r.Header.Get("From")
	var req struct {
		Message string `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || from == "" || req.Message == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Invalid Input Provided", "code": 2001}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.find(r.PathValue("id")); !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Incident Not Found", "code": 2100}})
		return
	}
	s.updates = append(s.updates, note{From: from, ID: r.PathValue("id"), Content: req.Message})
	writeJSON(w, http.StatusOK, map[string]any{"status_update": map[string]any{
		"id": fmt.Sprintf("PSU%d", len(s.updates)), "message": req.Message, "created_at": "2026-11-21T10:00:00Z",
		"sender": map[string]any{"id": "PU1", "type": "user_reference", "summary": from},
	}})
}
