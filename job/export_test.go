package job

import (
	"context"

	"github.com/wneessen/go-mail"

	"github.com/kinsta-report/kinsta-report/report/deliver"
)

// WithSender makes the run send through f instead of deliver.Send.
func WithSender(o *Options, f func(ctx context.Context, s deliver.Settings, msg *mail.Msg) error) {
	o.send = f
}

// WithCheckpoint calls f between the steps of each due date ("written",
// "claimed", "sent", "confirmed"); an error stops the run there, as a kill
// would.
func WithCheckpoint(o *Options, f func(step string) error) { o.checkpoint = f }
