package job

import (
	"context"

	"github.com/kinsta-report/kinsta-report/report/deliver"
)

// WithSender makes the run send through f instead of deliver.Send; f gets
// the message as it would go on the wire.
func WithSender(o *Options, f func(ctx context.Context, s deliver.Settings, eml []byte) error) {
	o.send = f
}

// WithSendOptions adds opts to deliver.Send's (e.g. one attempt).
func WithSendOptions(o *Options, opts ...deliver.SendOption) { o.sendOptions = opts }

// WithCheckpoint calls f between the steps of each due date ("written",
// "claimed", "sent", "confirmed"); an error stops the run there, as a kill
// would.
func WithCheckpoint(o *Options, f func(step string) error) { o.checkpoint = f }

// ShownDir is shownDir: a folder as the run's lines for people name it.
var ShownDir = shownDir
