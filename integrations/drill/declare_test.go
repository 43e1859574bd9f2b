package drill

import (
	"reflect"
	"testing"
)

// Every capability the drill world offers is declared by exactly one of
// the sources it stands in for, in every scenario: a slot left out of
// declare.go would read, in the drill, as a capability the live adapter
// lacks (an unverified roll, a shed plan that cannot name its status).
func TestEveryDrillCapabilityIsDeclaredOnce(t *testing.T) {
	for _, sc := range Scenarios() {
		w := New(sc, Options{Seed: 1})
		offered := reflect.ValueOf(w.Actions())
		declared := make([]int, offered.NumField())
		for _, info := range w.Infos() {
			acts := reflect.ValueOf(info.Acts)
			for i := range acts.NumField() {
				if !acts.Field(i).IsNil() {
					declared[i]++
				}
			}
		}
		for i := range offered.NumField() {
			slot := offered.Type().Field(i).Name
			want := 0
			if !offered.Field(i).IsNil() {
				want = 1
			}
			if declared[i] != want {
				t.Errorf("%s: slot %s declared by %d sources, want %d", sc.Name, slot, declared[i], want)
			}
		}
	}
}
