package timeline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Redactor scrubs secrets from text before it is written. It is safe for
// concurrent use.
type Redactor struct {
	literals *strings.Replacer // the configured secrets; nil if none
	patterns []pattern
}

// pattern is one regular expression whose matches are secrets. If the
// expression has a capture group, only the first group is replaced, so
// context such as "Bearer " stays readable.
type pattern struct {
	name  string
	re    *regexp.Regexp
	hints []string // at least one must occur (case-insensitively) for re to run; nil means always run
}

// minSecretLen is the shortest configured secret accepted: scrubbing a
// shorter string would erase ordinary words from the record.
const minSecretLen = 6

// builtinPatterns cover the secrets an on-call tool handles. Every one has
// literal hints so the regular expressions only run on text that could
// match; the AWS secret access key, which has no prefix, is found by
// scanAWSSecrets instead.
var builtinPatterns = []pattern{
	{"slack-token", regexp.MustCompile(`xox[abposer]-[0-9A-Za-z-]{8,}|xapp-[0-9]-[0-9A-Za-z-]{8,}|https://hooks\.slack\.com/(?:services|workflows|triggers)/[0-9A-Za-z/_-]+`),
		[]string{"xox", "xapp-", "hooks.slack.com"}},
	{"aws-access-key-id", regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`),
		[]string{"akia", "asia", "abia", "acca"}},
	{"aws-secret-access-key", regexp.MustCompile(`(?i)secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})`),
		[]string{"secret"}},
	{"pagerduty-key", regexp.MustCompile(`(?i)\b(?:pagerduty|pd|routing|integration|service|events?)[_ -]?(?:api[_ -]?)?(?:key|token)["']?\s*[:=]\s*["']?([A-Za-z0-9_+-]{20,32})`),
		[]string{"key", "token"}},
	{"pagerduty-key", regexp.MustCompile(`(?i)\btoken token=([A-Za-z0-9_+-]{20,})|\b(u\+[A-Za-z0-9_-]{18})\b`),
		[]string{"token token=", "u+"}},
	{"bearer-token", regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)`),
		[]string{"bearer"}},
	{"authorization", regexp.MustCompile(`(?i)\bauthorization["']?\s*[:=]\s*["']?(?:basic|token)\s+([A-Za-z0-9._~+/=-]{8,})`),
		[]string{"authorization"}},
}

// NewRedactor returns a redactor that scrubs the configured secrets
// (literally, always), the built-in patterns (Slack tokens and webhooks,
// AWS access key IDs and secret access keys, PagerDuty keys, bearer and
// authorization tokens) and the extra regular expressions in patterns. An
// extra pattern with a capture group has only its first group scrubbed.
func NewRedactor(secrets []string, patterns []string) (*Redactor, error) {
	r := &Redactor{patterns: builtinPatterns}
	var pairs []string
	for i, s := range secrets {
		if s != "" && len(s) < minSecretLen {
			// Never quote the secret itself.
			return nil, fmt.Errorf("configured secret #%d is shorter than %d characters; scrubbing it would erase ordinary text", i+1, minSecretLen)
		}
	}
	// The replacer prefers earlier arguments: longest first, so a secret
	// that starts with another is scrubbed whole.
	sorted := slices.Clone(secrets)
	slices.SortStableFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, s := range sorted {
		if s != "" {
			pairs = append(pairs, s, placeholder("secret"))
		}
	}
	if len(pairs) > 0 {
		r.literals = strings.NewReplacer(pairs...)
	}
	for i, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redaction pattern #%d: %w", i+1, err)
		}
		if re.MatchString("") {
			return nil, fmt.Errorf("redaction pattern #%d matches the empty string", i+1)
		}
		r.patterns = append(r.patterns[:len(r.patterns):len(r.patterns)], pattern{name: "pattern", re: re})
	}
	return r, nil
}

func placeholder(name string) string { return "[REDACTED:" + name + "]" }

// Redact returns s with every secret replaced by a placeholder naming what
// was removed.
func (r *Redactor) Redact(s string) string {
	if s == "" {
		return s
	}
	if r.literals != nil {
		s = r.literals.Replace(s)
	}
	for _, p := range r.patterns {
		s = p.apply(s)
	}
	return scanAWSSecrets(s)
}

func (p pattern) apply(s string) string {
	if p.hints != nil && !containsAnyFold(s, p.hints) {
		return s
	}
	matches := p.re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		start, end := m[0], m[1]
		// Replace the first capture group that matched, if any.
		for g := 2; g+1 < len(m); g += 2 {
			if m[g] >= 0 {
				start, end = m[g], m[g+1]
				break
			}
		}
		b.WriteString(s[last:start])
		b.WriteString(placeholder(p.name))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// containsAnyFold reports whether s contains any of the lower-case hints,
// ignoring ASCII case, without allocating.
func containsAnyFold(s string, hints []string) bool {
	for _, h := range hints {
		for i := 0; i+len(h) <= len(s); i++ {
			if lowerASCII(s[i]) != h[0] {
				continue
			}
			j := 1
			for j < len(h) && lowerASCII(s[i+j]) == h[j] {
				j++
			}
			if j == len(h) {
				return true
			}
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// awsSecretLen is the length of an AWS secret access key: 40 characters of
// the base64 alphabet without padding.
const awsSecretLen = 40

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '/' || c == '+'
}

// scanAWSSecrets replaces standalone 40-character base64 words that mix
// upper case, lower case and digits: the shape of an AWS secret access
// key. Hex digests (one case only) and ordinary words do not qualify.
func scanAWSSecrets(s string) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isBase64Char(s[i]) {
			i++
			continue
		}
		j := i
		var upper, lower, digit bool
		for j < len(s) && isBase64Char(s[j]) {
			c := s[j]
			upper = upper || 'A' <= c && c <= 'Z'
			lower = lower || 'a' <= c && c <= 'z'
			digit = digit || '0' <= c && c <= '9'
			j++
		}
		standalone := j-i == awsSecretLen && (j == len(s) || s[j] != '=')
		if standalone && upper && lower && digit {
			if b == nil {
				b = &strings.Builder{}
			}
			b.WriteString(s[last:i])
			b.WriteString(placeholder("aws-secret-access-key"))
			last = j
		}
		i = j
	}
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactEntry returns e with every free-text part scrubbed. Fields and
// Links are copied, so the caller's map and slice are never shared with
// the store.
func (r *Redactor) redactEntry(e Entry) Entry {
	e.Source = r.Redact(e.Source)
	e.Actor = r.Redact(e.Actor)
	e.Text = r.Redact(e.Text)
	if e.Fields != nil {
		fields := make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			fields[r.Redact(k)] = r.Redact(v)
		}
		e.Fields = fields
	}
	if e.Links != nil {
		links := make([]string, len(e.Links))
		for i, l := range e.Links {
			links[i] = r.Redact(l)
		}
		e.Links = links
	}
	return e
}
