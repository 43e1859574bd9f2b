package runbooks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

var featurePattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

func needShedder(a integrations.Actions) error {
	if a.Shedder == nil || a.LoadBalancer == nil {
		return errors.New("no HAProxy instance sheds optional load (shed_map and shed_features in the haproxy section of the config)")
	}
	return nil
}

func init() {
	register(&Action{
		Name:    "haproxy.shed",
		Summary: "shed an optional feature at HAProxy (answer it with the configured error status) or serve it again",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "feature", Kind: ArgString, Required: true, Pattern: featurePattern, Doc: "optional feature: the first path segment or the x-feature header"},
			{Name: "shed", Kind: ArgBool, Required: true, Doc: "true sheds it, false serves it again"},
			{Name: "instances", Kind: ArgList, Pattern: haproxyNamePattern, Doc: "HAProxy instances (default: every instance that may shed the feature)"},
		},
		Timeout:  time.Minute,
		Requires: needShedder,
		Plan:     planShed,
		Execute:  executeShed,
	})
}

// shedInstances are the instances a shed applies to: the named ones
// (each must be configured to shed the feature) or every one that is.
func shedInstances(c Call, feature string) ([]string, error) {
	var able []string
	for _, inst := range c.Actions.LoadBalancer.Instances() {
		if contains(c.Actions.Shedder.Sheddable(inst), feature) {
			able = append(able, inst)
		}
	}
	named := c.Args.List("instances")
	if len(named) == 0 {
		if len(able) == 0 {
			return nil, fmt.Errorf("no HAProxy instance may shed %s: list it in shed_features of the instances that take user traffic", feature)
		}
		return able, nil
	}
	for _, n := range named {
		if !contains(able, n) {
			return nil, fmt.Errorf("HAProxy instance %s may not shed %s (instances that may: %s)", n, feature, orNone(able))
		}
	}
	return named, nil
}

// shedAnswer says what a shed feature's requests get on an instance.
func shedAnswer(a integrations.Actions, inst string) string {
	if a.ShedStatus != nil {
		return fmt.Sprint(a.ShedStatus.ShedStatus(inst))
	}
	return "the configured error status"
}

func shedState(shed bool) string {
	if shed {
		return ledger.IsShed
	}
	return ledger.Served
}

func planShed(ctx context.Context, c Call) (StepPlan, error) {
	feature, shed := c.Args.String("feature"), c.Args.Bool("shed")
	insts, err := shedInstances(c, feature)
	if err != nil {
		return StepPlan{}, err
	}
	var p StepPlan
	for _, inst := range insts {
		now, err := c.Actions.Shedder.Shedding(ctx, inst)
		if err != nil {
			return StepPlan{}, fmt.Errorf("read what %s sheds: %w", inst, err)
		}
		switch {
		case now[feature] == shed:
			p.Lines = append(p.Lines, fmt.Sprintf("%s already %s on %s (no change)", feature, shedState(shed), inst))
		case shed:
			p.Lines = append(p.Lines, fmt.Sprintf("shed %s on %s: requests for /%s/… or with x-feature: %s answered %s (now served)",
				feature, inst, feature, feature, shedAnswer(c.Actions, inst)))
		default:
			p.Lines = append(p.Lines, fmt.Sprintf("serve %s again on %s: requests for /%s/… reach the backends (now shed)", feature, inst, feature))
		}
		p.Targets = append(p.Targets, "haproxy:"+inst)
	}
	return p, nil
}

func executeShed(ctx context.Context, c Call) (Result, error) {
	s, feature, shed := c.Actions.Shedder, c.Args.String("feature"), c.Args.Bool("shed")
	insts, err := shedInstances(c, feature)
	if err != nil {
		return Result{}, err
	}
	var done []string
	partial := func() Result {
		r := Result{Fields: map[string]string{"feature": feature, "shed": fmt.Sprint(shed), "set": strings.Join(done, ","), "untouched": strings.Join(insts[len(done):], ",")}}
		if len(done) < len(insts) {
			r.Cut = fmt.Sprintf("setting %s %s on %s", feature, shedState(shed), strings.Join(insts[len(done):], ", "))
		}
		return r
	}
	for _, inst := range insts {
		before, err := s.Shedding(ctx, inst)
		if err != nil {
			return partial(), fmt.Errorf("read what %s sheds: %w", inst, err)
		}
		change := ledger.Change{Kind: ledger.Shed, Instance: inst, Feature: feature, From: shedState(before[feature]), To: shedState(shed)}
		if before[feature] != shed {
			if err := s.SetShedding(ctx, inst, feature, shed); err != nil {
				err = settled(ctx, c, change, fmt.Errorf("set %s %s on %s: %w", feature, change.To, inst, err), func(ctx context.Context) (bool, error) {
					now, err := s.Shedding(ctx, inst)
					return now[feature] == shed, err
				})
				return partial(), err
			}
			after, err := s.Shedding(ctx, inst)
			switch {
			case err != nil:
				change.Unconfirmed = true
				c.Changed(change)
				return partial(), fmt.Errorf("verify %s on %s: %w", feature, inst, err)
			case after[feature] != shed:
				return partial(), fmt.Errorf("%s reads %s on %s after it was set %s", feature, shedState(after[feature]), inst, change.To)
			}
			c.Changed(change)
		}
		done = append(done, inst)
		c.Progress(fmt.Sprintf("%s %s → %s on %s", feature, change.From, change.To, inst))
	}
	r := partial()
	r.Summary = fmt.Sprintf("%s %s on %s", feature, shedState(shed), strings.Join(done, ", "))
	return r, nil
}
