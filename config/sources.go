package config

// section is one source's part of the configuration, declared in the
// source's own file of this package (pagerduty.go, slack.go, aws.go,
// haproxy.go, proxysql.go): whether it is configured, its defaults, its
// checks (messages at file:line:column, like every other), the secrets it
// loads and holds. A new source adds its file and its line below; Load,
// Secrets and NamesNoSource need nothing else.
type section struct {
	present  func(*Config) bool
	defaults func(*Config) // nil: none
	validate func(*validator, *Config)
	load     func(*validator, *Config) // its secrets; nil: none
	secrets  func(*Config) []Secret    // what it loaded, for the redactor; nil: none
}

// sections lists every source's section, in the order their checks run.
var sections = []section{pagerDutySection, slackSection, awsSection, haproxySection, proxysqlSection}
