package aws

import (
	"context"
	"strings"
	"testing"
)

func TestSetDesiredCapacity(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 2, 3, 10, "i-1", "i-2", "i-3")
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx := context.Background()

	if err := s.SetDesiredCapacity(ctx, "web", 8); err != nil {
		t.Fatal(err)
	}
	f.edit(func() {
		if g.setDesiredCalls != 1 || g.lastSetDesired != 8 || g.honorCooldown != "false" {
			t.Errorf("sent %d calls, desired %d, HonorCooldown %q", g.setDesiredCalls, g.lastSetDesired, g.honorCooldown)
		}
	})

	tests := []struct {
		desired int
		want    string
	}{
		{11, "above the group's maximum of 10"},
		{1, "below the group's minimum of 2"},
	}
	for _, tt := range tests {
		err := s.SetDesiredCapacity(ctx, "web", tt.desired)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SetDesiredCapacity(%d) = %v, want %q", tt.desired, err, tt.want)
		}
	}
	f.edit(func() {
		if g.setDesiredCalls != 1 {
			t.Errorf("out-of-range requests reached the API: %d calls", g.setDesiredCalls)
		}
	})

	if err := s.SetDesiredCapacity(ctx, "nope", 1); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Errorf("unknown group: %v", err)
	}
}
