package timeline

import (
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// TestFastDecodeReadsWhatTheStoreWrites checks that lines this package
// writes take the fast path, and decode as encoding/json would.
func TestFastDecodeReadsWhatTheStoreWrites(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	entries := []Entry{
		{Record: integrations.Record{Kind: integrations.KindNote, Text: "plain"}},
		{Record: integrations.Record{Kind: integrations.KindChatMessage, Actor: "zoë", Source: "slack", Text: "quote \" backslash \\ <b>&amp;</b> tab\tnewline\nemoji 😀 nul \x00 del \x7f", Fields: map[string]string{"channel": "C1", "ts": "1736407800.000100", "ключ": "значение"}, Links: []string{"https://x.example/?a=1&b=2"}}},
		{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpTime, To: time.Date(2026, 1, 9, 23, 59, 59, 123456789, paris)}},
		{Record: integrations.Record{Kind: integrations.KindNote, Text: "invalid utf-8 \xff becomes U+FFFD", Fields: map[string]string{}}},
	}
	enc := newLineEncoder()
	prev := genesisHash
	for i := range entries {
		e := &entries[i]
		e.Seq, e.ID, e.Prev = int64(i+1), entryID(int64(i+1)), prev
		e.Occurred = time.Date(2026, 1, 9, 23, 59, 0, 0, time.UTC)
		e.Recorded = e.Occurred
		start := enc.buf.Len()
		if err := enc.encode(e); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		line := enc.buf.Bytes()[start : enc.buf.Len()-1]
		var got Entry
		if !decodeFast(line, &got) {
			t.Errorf("entry %d did not take the fast path: %s", i, line)
		}
		checkFastDecodeAgrees(t, line)
	}
}
