package integrations

import (
	"strings"
	"time"
)

// StandardReplay keys the observations of every kind declared in
// kinds.go, from the identity their source gives them.
//
// Happenings the service dates itself (an alert's trigger, a log entry, a
// chat message, a failed scaling activity) are one subject each, their
// time included: the timeline holds them or not. Changes a watcher dates
// by when it saw them (a desired capacity, an instance entering service,
// slot drift, an odd one out, an incident gone from the open list) are
// each one subject whose word at the time counts: a watcher seeing the
// same change again, at its own time, says nothing new; a change back and
// forth is recorded each time. Notes, runbook steps and source status are
// no observation of the world, never a replay.
func StandardReplay(r Record) (subject, value string, ok bool) {
	fields := r.Fields
	at := r.Occurred.UTC().Format(time.RFC3339Nano)
	switch kind := r.Kind; {
	case kind == KindChatMessage && fields["ts"] != "":
		return "chat\x00" + fields["ts"], "", true
	case kind == KindAlertResolved && fields["alert"] != "":
		return "alert\x00" + fields["alert"] + "\x00resolved", "", true
	case strings.HasPrefix(kind, KindAlertPrefix) && fields["alert"] != "":
		return "alert\x00" + fields["alert"] + "\x00" + kind + "\x00" + at + "\x00" + fields["log_entry"], "", true
	case kind == KindFleetChange && fields["activity"] != "":
		return "activity\x00" + fields["activity"] + "\x00" + fields["status"], "", true
	case kind == KindFleetChange:
		return "fleet\x00" + fields["group"] + "\x00" + fields["change"] + "\x00" + fields["instance"] + "\x00" +
			fields["backend"] + "\x00" + fields["server"], r.Text, true
	case kind == KindDrift || kind == KindDriftCleared:
		return "drift\x00" + fields["group"] + "\x00" + fields["instance"] + "\x00" + fields["backend"], kind + "\x00" + r.Text, true
	case kind == KindEffect && fields["of"] != "":
		// One effect of each record, whichever war-room measured it.
		return "effect\x00" + fields["of"], "", true
	case (kind == KindOddOne || kind == KindOddOneCleared) && fields["target"] != "":
		// Marked or cleared is the word; the figures quoted differ by
		// watcher.
		return "oddone\x00" + fields["target"], kind, true
	}
	return "", "", false
}
