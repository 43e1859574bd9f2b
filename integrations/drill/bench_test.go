package drill

import (
	"fmt"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// BenchmarkWorldSecond is the cost of one scenario second early and late in
// each scenario: flat in the scenario's length (nothing grows with time).
func BenchmarkWorldSecond(b *testing.B) {
	discard := integrations.PublisherFunc(func(integrations.Event) {})
	for _, sc := range Scenarios() {
		for _, at := range []time.Duration{10 * time.Minute, sc.Horizon - 10*time.Minute} {
			b.Run(fmt.Sprintf("%s/at-%s", sc.Name, at), func(b *testing.B) {
				w := New(sc, Options{Seed: 1, RecordsOnly: true})
				w.Step(sc.Start.Add(at), discard)
				b.ResetTimer()
				for b.Loop() {
					w.Step(w.Now().Add(time.Second), discard)
				}
			})
		}
	}
}
