package integrationstest

import (
	"slices"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

func TestRecorderKeepsEventsAndRecordsInOrder(t *testing.T) {
	var rec Recorder
	var pub integrations.Publisher = &rec
	status := func(s integrations.SourceState) integrations.StatusChanged {
		return integrations.StatusChanged{Status: integrations.SourceStatus{State: s}}
	}
	pub.Publish(status(integrations.SourceDown))
	pub.Publish(integrations.Record{Kind: "a", Text: "1"})
	pub.Publish(status(integrations.SourceOK))
	rec.Sink(integrations.Record{Kind: "b", Text: "2"})
	pub.Publish(status(integrations.SourceOK))
	pub.Publish(status(integrations.SourceDegraded))

	if n := len(rec.Events()); n != 6 {
		t.Fatalf("kept %d events, want 6", n)
	}
	if got := rec.Records(""); len(got) != 2 || got[0].Text != "1" || got[1].Text != "2" {
		t.Errorf("all records = %+v", got)
	}
	if got := rec.Records("b"); len(got) != 1 || got[0].Text != "2" {
		t.Errorf("records of kind b = %+v", got)
	}
	if n := len(rec.Statuses()); n != 4 {
		t.Errorf("statuses = %d, want 4", n)
	}
	want := []integrations.SourceState{integrations.SourceDown, integrations.SourceOK, integrations.SourceDegraded}
	if got := rec.States(); !slices.Equal(got, want) {
		t.Errorf("states = %v, want %v", got, want)
	}
	if last, ok := Last[integrations.Record](&rec); !ok || last.Text != "2" {
		t.Errorf("last record = %+v, %v", last, ok)
	}
	if _, ok := Last[integrations.AlertsSnapshot](&rec); ok {
		t.Error("found an alerts snapshot that was never published")
	}
}
