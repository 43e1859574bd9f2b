package config

import (
	"fmt"
	"net/url"
	"strings"
)

// TeamConfig points warroom at a team server (`warroom serve`, or any NATS
// server with JetStream), so several responders share the incident.
type TeamConfig struct {
	URL string `yaml:"url"`
	// CredentialsFile holds a NATS .creds file, an nkey seed (SU…), or
	// user:password on one line; WARROOM_TEAM_CREDENTIALS, holding the
	// same, is used when empty. The file must be readable by its owner
	// only.
	CredentialsFile string `yaml:"credentials,omitempty"`
	TLSCA           string `yaml:"tls_ca,omitempty"`
	// Approval says which runbooks need another responder's approval:
	// "required" (those marked approval: required, the default) or
	// "dangerous" (those, and every dangerous one).
	Approval string `yaml:"approval,omitempty"`
	// SelfApproval lets a responder working alone approve their own runs;
	// their plans say so.
	SelfApproval bool `yaml:"self_approval,omitempty"`

	Credentials Secret `yaml:"-"`
}

// TeamCredentialsEnv holds the team credentials when the file names none.
const TeamCredentialsEnv = "WARROOM_TEAM_CREDENTIALS"

// SelfApprovalKey is the setting a plan names when it allows
// self-approval.
const SelfApprovalKey = "team.self_approval"

// Team approval settings.
const (
	ApprovalRequired  = "required"
	ApprovalDangerous = "dangerous"
)

func (v *validator) team(t *TeamConfig) {
	if t.URL == "" {
		v.add("missing url: the team server, nats://host:4222 (warroom serve prints it)", "team")
	} else {
		v.teamURL(t.URL)
	}
	switch t.Approval {
	case "", ApprovalRequired, ApprovalDangerous:
	default:
		v.add(fmt.Sprintf("approval %q: want required (runbooks marked approval: required) or dangerous (those and every dangerous one)", t.Approval), "team", "approval")
	}
	t.CredentialsFile = v.resolveIfSet(t.CredentialsFile)
	t.TLSCA = v.resolveIfSet(t.TLSCA)
}

// teamURL checks a comma-separated list of nats:// or tls:// URLs, which
// carry no user information: credentials belong in the credentials file.
func (v *validator) teamURL(raw string) {
	for _, part := range strings.Split(raw, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls"):
			v.add(fmt.Sprintf("url %q: want nats://host:port (or tls://), several separated by commas", redactUserinfo(part)), "team", "url")
			return
		case u.User != nil:
			v.add("url carries a user or password: put credentials in the credentials file (mode 600) or WARROOM_TEAM_CREDENTIALS", "team", "url")
			return
		}
	}
}

// redactUserinfo drops what stands before an @ in a URL, for messages.
func redactUserinfo(u string) string {
	if at := strings.LastIndex(u, "@"); at >= 0 {
		if s := strings.Index(u, "://"); s >= 0 && s < at {
			return u[:s+3] + "***@" + u[at+1:]
		}
		return "***@" + u[at+1:]
	}
	return u
}

func (v *validator) teamSecrets(t *TeamConfig) {
	t.Credentials = v.loadSecret(t.CredentialsFile, TeamCredentialsEnv, "team", "credentials")
}

// ApprovalOnDangerous reports whether every dangerous runbook needs
// another responder's approval.
func (t *TeamConfig) ApprovalOnDangerous() bool { return t != nil && t.Approval == ApprovalDangerous }
