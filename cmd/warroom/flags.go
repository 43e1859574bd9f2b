package main

import (
	"errors"
	"os"
	"path/filepath"
)

// globalFlags are the flags every verb shares.
type globalFlags struct {
	ConfigPath string // --config; empty means the default location
	StateDir   string // --state-dir or WARROOM_STATE_DIR; empty means the default
	Team       string // --team: the team server's URL, over team.url
}

// configPath is --config, else $XDG_CONFIG_HOME/warroom/config.yaml.
func (g *globalFlags) configPath() (string, error) {
	if g.ConfigPath != "" {
		return g.ConfigPath, nil
	}
	base := os.Getenv("XDG_CONFIG_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find the configuration: set --config or XDG_CONFIG_HOME")
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "warroom", "config.yaml"), nil
}

// stateDir is --state-dir, else WARROOM_STATE_DIR, else
// $XDG_STATE_HOME/warroom (default ~/.local/state/warroom).
func (g *globalFlags) stateDir() (string, error) {
	if g.StateDir != "" {
		return g.StateDir, nil
	}
	if env := os.Getenv("WARROOM_STATE_DIR"); env != "" {
		return env, nil
	}
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find a state directory: set --state-dir or WARROOM_STATE_DIR")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "warroom"), nil
}
