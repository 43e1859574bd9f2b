package main

import (
	"errors"
	"io/fs"
	"os"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/runbooks"
)

// configured loads the configuration; with no file at the default path it
// returns nil, meaning "no configuration". A file named by --config must
// exist.
func configured(g *globalFlags) (*config.Config, error) {
	cfg, err := loadConfig(g, os.Stderr)
	if errors.Is(err, fs.ErrNotExist) && g.ConfigPath == "" {
		return nil, nil
	}
	return cfg, err
}

// runbookLimits are the configured guardrails in the runbooks' terms.
func runbookLimits(cfg *config.Config) runbooks.Limits {
	return runbooks.Limits{
		MaxCapacity:        cfg.Limits.MaxCapacity,
		MaxThrottlePercent: cfg.Limits.MaxThrottlePercent,
		MaxBatch:           cfg.Limits.RollingBatchSize,
		MinInRotation:      cfg.Limits.MinInRotation,
		MaxErrorRisePoints: cfg.Limits.MaxErrorRisePoints,
		MaxReplicaShare:    cfg.Limits.MaxReplicaShare,
		Approval:           approvalPolicy(cfg.Team),
	}
}
