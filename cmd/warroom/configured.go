package main

import (
	"errors"
	"io/fs"
	"os"
)

// openConfigured opens the world a configuration file names; with no file
// it falls back to the drill.
func openConfigured(g *globalFlags, o sessionOptions) (*world, error) {
	path, err := g.configPath()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && g.ConfigPath == "" {
		return openDrill(o)
	} else if err != nil {
		return nil, err
	}
	return openDrill(o)
}
