package drillscore

import (
	"testing"

	"github.com/warroomhq/warroom/integrations/drill"
)

// BenchmarkHeadlessDrill3h is a whole headless drill of the 3-hour
// monday-surge with its reference plan: the scored run, the run with no
// plan and one replay per action. It must finish in under 2 s.
func BenchmarkHeadlessDrill3h(b *testing.B) {
	sc, _ := drill.Lookup("monday-surge")
	opts := options(b, 1)
	for b.Loop() {
		if _, err := Run(sc, sc.Reference, opts); err != nil {
			b.Fatal(err)
		}
	}
}
