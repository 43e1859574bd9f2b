package series

import "strings"

// IsBackend reports whether target names an HAProxy backend
// (INSTANCE/BACKEND), not a server (INSTANCE/BACKEND/SERVER), a frontend
// (INSTANCE/fe:NAME) or a group (NAME).
func IsBackend(target string) bool {
	instance, backend, ok := strings.Cut(target, "/")
	return ok && instance != "" && backend != "" && !strings.Contains(backend, "/") && !strings.HasPrefix(backend, "fe:")
}

// IsFrontend reports whether target names an HAProxy frontend.
func IsFrontend(target string) bool {
	_, name, ok := strings.Cut(target, "/")
	return ok && strings.HasPrefix(name, "fe:") && !strings.Contains(name, "/")
}

// IsGroup reports whether target names an Auto Scaling group.
func IsGroup(target string) bool { return target != "" && !strings.Contains(target, "/") }

// Busiest is the target with the largest total, the first by name on a
// tie; "" when there is none.
func Busiest(totals map[string]float64) string {
	best := ""
	for target, v := range totals {
		if best == "" || v > totals[best] || v == totals[best] && target < best {
			best = target
		}
	}
	return best
}
