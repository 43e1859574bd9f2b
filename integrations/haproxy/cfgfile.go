package haproxy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// IdleCloseOption is the option that makes a reload gentle on keep-alive
// connections: the old worker answers one last request on each idle
// connection with `Connection: close` instead of closing it under a
// client that may be sending its next request (HAProxy 2.4 and later).
const IdleCloseOption = "option idle-close-on-response"

// maxConfigFile bounds what ReadConfigFile reads.
const maxConfigFile = 16 << 20

// ConfigFile is what warroom reads from an HAProxy configuration file:
// the proxies that accept connections and how each treats idle
// keep-alive connections on a reload. It is a reader of a few keywords,
// not a validator (`haproxy -c` is).
type ConfigFile struct {
	Path      string
	Frontends []Frontend // frontend and listen sections, in file order
}

// Frontend is one proxy that accepts connections.
type Frontend struct {
	Name string
	Line int
	// HTTP is true in mode http, the only mode the option applies to.
	HTTP bool
	// IdleClose is true when IdleCloseOption is in force: set in the
	// section or the defaults it inherits, and not cancelled with `no`.
	IdleClose bool
}

// ReadConfigFile reads and parses the configuration at path.
func ReadConfigFile(path string) (*ConfigFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxConfigFile)
	}
	return ParseConfig(path, data), nil
}

// proxyDefaults is what a defaults section passes on.
type proxyDefaults struct {
	http, idleClose bool
}

// sectionKeywords start a new section of the configuration.
var sectionKeywords = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true,
	"peers": true, "resolvers": true, "userlist": true, "program": true, "http-errors": true,
	"ring": true, "mailers": true, "cache": true, "log-forward": true, "fcgi-app": true,
	"crt-store": true, "traces": true,
}

// ParseConfig reads the sections and the keywords ConfigFile describes.
// A new defaults section starts afresh (as HAProxy's does), named ones
// are kept for `from`, and a proxy inherits the last defaults before it
// unless it names one.
func ParseConfig(path string, data []byte) *ConfigFile {
	cf := &ConfigFile{Path: path}
	var (
		last    proxyDefaults
		named   = map[string]proxyDefaults{}
		section string
		defName string
		cur     proxyDefaults // the section being read, when it is defaults or a proxy
		front   = -1          // index in cf.Frontends of the section being read
	)
	closeSection := func() {
		switch {
		case section == "defaults":
			last = cur
			if defName != "" {
				named[defName] = cur
			}
		case front >= 0:
			cf.Frontends[front].HTTP, cf.Frontends[front].IdleClose = cur.http, cur.idleClose
		}
		section, defName, front = "", "", -1
	}
	for n, line := range bytes.Split(data, []byte("\n")) {
		words := configWords(string(line))
		if len(words) == 0 {
			continue
		}
		if sectionKeywords[words[0]] {
			closeSection()
			section = words[0]
			name, inherit := "", last
			if len(words) > 1 && words[1] != "from" {
				name = words[1]
			}
			for i := 1; i+1 < len(words); i++ {
				if words[i] == "from" {
					inherit = named[words[i+1]]
				}
			}
			switch section {
			case "defaults":
				defName = name
				cur = proxyDefaults{}
				if slices.Contains(words, "from") {
					cur = inherit
				}
			case "frontend", "listen":
				cur = inherit
				cf.Frontends = append(cf.Frontends, Frontend{Name: name, Line: n + 1})
				front = len(cf.Frontends) - 1
			}
			continue
		}
		if section != "defaults" && front < 0 {
			continue
		}
		negated := words[0] == "no"
		if negated {
			words = words[1:]
		}
		switch {
		case len(words) >= 2 && words[0] == "mode":
			cur.http = words[1] == "http"
		case len(words) >= 2 && words[0] == "option" && words[1] == "idle-close-on-response":
			cur.idleClose = !negated
		}
	}
	closeSection()
	return cf
}

// configWords splits a configuration line into words, dropping a comment
// (a # outside quotes) and the quotes themselves.
func configWords(line string) []string {
	var (
		words []string
		word  strings.Builder
		quote byte
		in    bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			word.WriteByte(c)
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == '\\' && i+1 < len(line):
			i++
			word.WriteByte(line[i])
			in = true
		case c == '#':
			i = len(line)
		case c == ' ' || c == '\t' || c == '\r':
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		default:
			word.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, word.String())
	}
	return words
}

// WithoutIdleClose lists the HTTP frontends a reload would close idle
// keep-alive connections under.
func (cf *ConfigFile) WithoutIdleClose() []Frontend {
	var out []Frontend
	for _, f := range cf.Frontends {
		if f.HTTP && !f.IdleClose {
			out = append(out, f)
		}
	}
	return out
}

// HasHTTP reports whether any frontend speaks HTTP.
func (cf *ConfigFile) HasHTTP() bool {
	for _, f := range cf.Frontends {
		if f.HTTP {
			return true
		}
	}
	return false
}
