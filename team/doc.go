// Package team shares one incident between several responders through a
// NATS JetStream server: the timeline (one hash chain, written by every
// responder, with a local journal for when the server is out of reach),
// runbook locks, presence and roles, and the election of one poller per
// source. Run a server with `warroom serve`, or point at an existing NATS
// cluster with JetStream enabled.
//
// Everything the server keeps lives under these names:
//
//	stream WARROOM_TIMELINE   subjects warroom.timeline.<incident>
//	bucket warroom_locks      runbook target locks (TTL: the lease)
//	bucket warroom_presence   who is in each incident (TTL: PresenceTTL)
//	bucket warroom_roles      roles such as the incident commander
//	bucket warroom_pollers    one poller per source (TTL: the lease)
//	bucket warroom_approvals  the two-person rule: requests, answers, outcomes
//	stream WARROOM_FEED       the elected pollers' snapshots, per incident and source
//	stream WARROOM_METRICS    the shared measured series
package team
