package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	asg "github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/sync/errgroup"

	"github.com/warroomhq/warroom/integrations"
)

const (
	// recentActivities is how many scaling activities each group shows:
	// enough to see a run of failed launches.
	recentActivities = 10
	// describeParallel bounds concurrent DescribeScalingActivities calls,
	// to stay well under the Auto Scaling request rate.
	describeParallel = 4
	// instanceIDsPerCall stays under EC2's limit of values per filter.
	instanceIDsPerCall = 100
)

// describeGroups fetches the named groups (or those carrying tags), their
// recent scaling activities and their instances' EC2 details, sorted by
// group name.
func (s *Source) describeGroups(ctx context.Context, names []string, tags map[string]string) ([]integrations.Group, error) {
	in := &asg.DescribeAutoScalingGroupsInput{MaxRecords: awssdk.Int32(100)}
	if len(names) > 0 {
		in.AutoScalingGroupNames = names
	} else {
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			in.Filters = append(in.Filters, asgtypes.Filter{Name: awssdk.String("tag:" + k), Values: []string{tags[k]}})
		}
	}
	var groups []integrations.Group
	pages := asg.NewDescribeAutoScalingGroupsPaginator(s.asg, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.classify("describe Auto Scaling groups", err)
		}
		for _, g := range page.AutoScalingGroups {
			groups = append(groups, convertGroup(g))
		}
	}
	slices.SortFunc(groups, func(a, b integrations.Group) int { return strings.Compare(a.Name, b.Name) })

	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(describeParallel)
	for i := range groups {
		eg.Go(func() error {
			acts, err := s.activities(ectx, groups[i].Name)
			groups[i].Activities = acts
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if err := s.addInstanceDetails(ctx, groups); err != nil {
		return nil, err
	}
	return groups, nil
}

func convertGroup(g asgtypes.AutoScalingGroup) integrations.Group {
	out := integrations.Group{
		Name:    awssdk.ToString(g.AutoScalingGroupName),
		Desired: int(awssdk.ToInt32(g.DesiredCapacity)),
		Min:     int(awssdk.ToInt32(g.MinSize)),
		Max:     int(awssdk.ToInt32(g.MaxSize)),
		// Until the tracker knows better, the desired capacity dates from
		// the group's creation.
		DesiredSince: awssdk.ToTime(g.CreatedTime),
	}
	for _, in := range g.Instances {
		lifecycle := string(in.LifecycleState)
		switch {
		case lifecycle == integrations.LifecycleInService:
			out.InService++
		case strings.HasPrefix(lifecycle, integrations.LifecyclePending):
			out.Pending++
		case strings.HasPrefix(lifecycle, integrations.LifecycleTerminating):
			out.Terminating++
		}
		out.Instances = append(out.Instances, integrations.Instance{
			ID:        awssdk.ToString(in.InstanceId),
			Group:     out.Name,
			Zone:      awssdk.ToString(in.AvailabilityZone),
			Lifecycle: lifecycle,
			Health:    awssdk.ToString(in.HealthStatus),
		})
	}
	slices.SortFunc(out.Instances, func(a, b integrations.Instance) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// activities returns a group's recent scaling activities, newest first
// (the order the API answers in).
func (s *Source) activities(ctx context.Context, group string) ([]integrations.ScalingActivity, error) {
	out, err := s.asg.DescribeScalingActivities(ctx, &asg.DescribeScalingActivitiesInput{
		AutoScalingGroupName: awssdk.String(group),
		MaxRecords:           awssdk.Int32(recentActivities),
	})
	if err != nil {
		return nil, s.classify("describe scaling activities of "+group, err)
	}
	acts := make([]integrations.ScalingActivity, 0, len(out.Activities))
	for _, a := range out.Activities {
		act := integrations.ScalingActivity{
			ID:          awssdk.ToString(a.ActivityId),
			Description: awssdk.ToString(a.Description),
			Cause:       awssdk.ToString(a.Cause),
			Status:      activityStatus(a.StatusCode),
			Message:     awssdk.ToString(a.StatusMessage),
			Start:       awssdk.ToTime(a.StartTime),
			End:         awssdk.ToTime(a.EndTime),
		}
		// A failed launch often has no status message: the screen shows
		// the reason in its place.
		act.Message = act.Reason()
		acts = append(acts, act)
	}
	return acts, nil
}

// activityStatus folds the API's many waiting states into InProgress.
func activityStatus(c asgtypes.ScalingActivityStatusCode) integrations.ActivityStatus {
	switch c {
	case asgtypes.ScalingActivityStatusCodeSuccessful:
		return integrations.ActivitySuccessful
	case asgtypes.ScalingActivityStatusCodeFailed:
		return integrations.ActivityFailed
	case asgtypes.ScalingActivityStatusCodeCancelled:
		return integrations.ActivityCancelled
	}
	return integrations.ActivityInProgress
}

// addInstanceDetails fills EC2 state, private address, launch time and
// zone. It filters by instance-id rather than passing InstanceIds, which
// fails the whole call when one instance has just gone.
func (s *Source) addInstanceDetails(ctx context.Context, groups []integrations.Group) error {
	var ids []string
	for _, g := range groups {
		for _, in := range g.Instances {
			ids = append(ids, in.ID)
		}
	}
	found := map[string]ec2types.Instance{}
	for chunk := range slices.Chunk(ids, instanceIDsPerCall) {
		pages := ec2sdk.NewDescribeInstancesPaginator(s.ec2, &ec2sdk.DescribeInstancesInput{
			Filters: []ec2types.Filter{{Name: awssdk.String("instance-id"), Values: chunk}},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return s.classify("describe EC2 instances", err)
			}
			for _, r := range page.Reservations {
				for _, in := range r.Instances {
					found[awssdk.ToString(in.InstanceId)] = in
				}
			}
		}
	}
	for gi := range groups {
		for ii := range groups[gi].Instances {
			in := &groups[gi].Instances[ii]
			d, ok := found[in.ID]
			if !ok {
				continue
			}
			if d.State != nil {
				in.State = string(d.State.Name)
			}
			in.PrivateIP = awssdk.ToString(d.PrivateIpAddress)
			in.LaunchedAt = awssdk.ToTime(d.LaunchTime)
			if d.Placement != nil && d.Placement.AvailabilityZone != nil {
				in.Zone = *d.Placement.AvailabilityZone
			}
		}
	}
	return nil
}

// describeGroup fetches one group by name.
func (s *Source) describeGroup(ctx context.Context, name string) (integrations.Group, error) {
	groups, err := s.describeGroups(ctx, []string{name}, nil)
	if err != nil {
		return integrations.Group{}, err
	}
	for _, g := range groups {
		if g.Name == name {
			return g, nil
		}
	}
	return integrations.Group{}, fmt.Errorf("aws: Auto Scaling group %q not found", name)
}
