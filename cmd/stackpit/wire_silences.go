package main

import (
	"github.com/stackpit/stackpit/views/pane"
	"github.com/stackpit/stackpit/views/silences"
)

func init() {
	registerPane(PaneSpec{ID: "silences", Title: "Silences", Order: 80, Aliases: []string{"silence", "sil"},
		Build: func(e *Env) (pane.Pane, error) {
			c, err := alertmanagerClient(e)
			if err != nil {
				return nil, err
			}
			return silences.New(e.Ctx, c, silences.Options{}), nil
		}})
}
