package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	asg "github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/warroomhq/warroom/integrations"
)

// DescribeGroup fetches one group with its instances and recent
// activities, whether or not it is among the followed groups.
func (s *Source) DescribeGroup(ctx context.Context, group string) (integrations.Group, error) {
	return s.describeGroup(ctx, group)
}

// SetDesiredCapacity sets a group's desired capacity. It refuses values
// outside the group's min and max before sending anything, with the
// limits in the message, rather than letting the API's ValidationError
// arrive mid-runbook. Cooldowns are not honoured: a responder scaling by
// hand means it now.
func (s *Source) SetDesiredCapacity(ctx context.Context, group string, desired int) error {
	g, err := s.describeGroup(ctx, group)
	if err != nil {
		return err
	}
	switch {
	case desired > g.Max:
		return fmt.Errorf("aws: refusing to set %s to %d: above the group's maximum of %d (raise MaxSize first)", group, desired, g.Max)
	case desired < g.Min:
		return fmt.Errorf("aws: refusing to set %s to %d: below the group's minimum of %d", group, desired, g.Min)
	}
	_, err = s.asg.SetDesiredCapacity(ctx, &asg.SetDesiredCapacityInput{
		AutoScalingGroupName: awssdk.String(group),
		DesiredCapacity:      awssdk.Int32(int32(desired)),
		HonorCooldown:        awssdk.Bool(false),
	})
	if err != nil {
		return s.classify(fmt.Sprintf("set desired capacity of %s to %d", group, desired), err)
	}
	return nil
}
