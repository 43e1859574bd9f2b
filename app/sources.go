package app

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
)

// Adapter is one kind of source warroom can be configured with. The
// adapters warroom ships register in adapters.go; a new one registers
// there (or, in a test, in its test file) and needs nothing else: its
// source declares its panes, replay keys and capabilities itself
// (integrations.Described).
type Adapter struct {
	Name string
	// Configured reports whether cfg names this source.
	Configured func(cfg *config.Config) bool
	// Build makes the source from cfg. Building contacts nothing except
	// what an SDK resolves by itself (AWS's credential chain).
	Build func(ctx context.Context, cfg *config.Config) (LiveSource, error)
}

// LiveSource is a configured adapter: a source that declares itself, and
// something `warroom config check` can probe.
type LiveSource interface {
	integrations.Described
	Probe(ctx context.Context) (summary string, err error)
}

var registry struct {
	mu       sync.Mutex
	adapters []Adapter
}

// Register adds an adapter; sources are built and shown in registration
// order.
func Register(a Adapter) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	registry.adapters = append(registry.adapters, a)
}

// Unregister removes the adapter of that name (a test's own, when it ends).
func Unregister(name string) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	registry.adapters = slices.DeleteFunc(registry.adapters, func(a Adapter) bool { return a.Name == name })
}

// ConfiguredAdapters lists the adapters cfg names, in registration order.
func ConfiguredAdapters(cfg *config.Config) []Adapter {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var out []Adapter
	for _, a := range registry.adapters {
		if a.Configured(cfg) {
			out = append(out, a)
		}
	}
	return out
}

// NamesNoSource reports whether cfg names no registered source: warroom
// then opens the drill.
func NamesNoSource(cfg *config.Config) bool {
	return cfg == nil || len(ConfiguredAdapters(cfg)) == 0
}

// BuildSources makes every source cfg names.
func BuildSources(ctx context.Context, cfg *config.Config) ([]LiveSource, error) {
	var sources []LiveSource
	for _, a := range ConfiguredAdapters(cfg) {
		src, err := a.Build(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		sources = append(sources, src)
	}
	return sources, nil
}

// declarations are what the sources say of themselves, by name.
func declarations(sources []integrations.Source) []integrations.SourceInfo {
	var out []integrations.SourceInfo
	for _, src := range sources {
		switch s := src.(type) {
		case integrations.Impersonator:
			out = append(out, s.Infos()...)
		case integrations.Described:
			out = append(out, s.Info())
		}
	}
	return out
}
