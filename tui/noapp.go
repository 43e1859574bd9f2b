package tui

import (
	"context"
	"errors"
	"time"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// errNoApp is every answer of a screen opened without an application.
var errNoApp = errors.New("no session is open: nothing to record to or act through")

// noApp is the application of a screen opened without one (Options.App
// nil): it shows what it is sent and can do nothing, so every mutating
// key says so.
type noApp struct{}

func (noApp) Info() api.Info { return api.Info{} }
func (noApp) Record(context.Context, integrations.Record) (integrations.Record, error) {
	return integrations.Record{}, errNoApp
}
func (noApp) Runbooks() api.RunbookInfo { return api.RunbookInfo{} }
func (noApp) Plan(context.Context, *runbooks.Runbook, map[string]string) (*runbooks.Plan, error) {
	return nil, errNoApp
}
func (noApp) Start(*runbooks.Plan, api.StartOptions) (string, error) { return "", errNoApp }
func (noApp) Abort(string, error)                                    {}
func (noApp) Can(string, integrations.Capability) bool               { return false }
func (noApp) Acknowledge(context.Context, string, string) error      { return errNoApp }
func (noApp) Resolve(context.Context, string, string) error          { return errNoApp }
func (noApp) ReadAlert(context.Context, string, string) (integrations.Alert, error) {
	return integrations.Alert{}, errNoApp
}
func (noApp) Post(context.Context, string, string) (integrations.Message, error) {
	return integrations.Message{}, errNoApp
}
func (noApp) FindPosted(context.Context, string, time.Time) (integrations.Message, bool, error) {
	return integrations.Message{}, false, errNoApp
}
func (noApp) Redact(s string) string                         { return s }
func (noApp) Team() api.Team                                 { return nil }
func (noApp) DraftStatus(time.Time) (api.StatusDraft, error) { return api.StatusDraft{}, errNoApp }
func (noApp) StatusDue(time.Time) api.StatusReminder         { return api.StatusReminder{} }
func (noApp) PostStatus(context.Context, string) (api.StatusPosted, error) {
	return api.StatusPosted{}, errNoApp
}
