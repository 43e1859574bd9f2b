// Package tui is the war-room screen: a Bubble Tea program on one
// application value (Options.App, an api.App). It shows what the
// application sends it (integrations.Batch: snapshots, records, derived
// facts, run states) and asks the application for everything it does.
//
// # Rules
//
// These hold for every change to the screen; a change that needs to
// break one changes this list first.
//
//   - One model. Model is the only tea.Model: focus, key routing, layout
//     and the overlay stack live in it. Panes and dialogs are not
//     Bubble Tea models and never nest one (bubbles' text inputs and help
//     are the only sub-models, and they are driven from the root or the
//     dialog that owns them).
//   - Dumb components. A pane (component, pane.go) holds what it shows and
//     draws it with render(env, width, height, focused): it scrolls,
//     filters, opens and closes what is under its cursor, and names its
//     own keys (bindings). It never calls a service, never reads the
//     clock, never touches another pane. What it needs from elsewhere
//     comes in paneEnv, built per frame.
//   - Dialogs return intents. The runbook panel, the input line and the
//     questions are dialogs on one stack (dialog.go; the panel, while
//     open, is its bottom layer); the one on top takes the keys. Its
//     update changes only itself and returns an intent (confirmed,
//     inputSubmitted, planRequested, runRequested, …) that the root acts
//     on in act. What a dialog reads of the screen comes in a dialogEnv.
//   - I/O only in commands. Update and View never record, post, plan, run,
//     read a file or the network: those are tea.Cmds that call the App,
//     with a timeout, and answer with a message. A command copies what it
//     needs from the model before it returns; it never reads or changes
//     the model from its goroutine.
//   - Derived once, elsewhere. Drift, new critical alerts, odd ones out,
//     which sources feed a pane and the amendment fold are the
//     application's (or the timeline's record.View): the screen shows
//     them and never computes them again.
//   - Layout on change, not per frame. relayout runs when the size or the
//     state changes (Update does it after every message but a scroll or a
//     letter typed into the input line); View lays the frame out from the
//     header and footer it draws anyway. A scroll key moves a cursor and
//     draws nothing.
//   - Cost of one screen. Panes keep indices into their items and draw
//     only the visible rows; filters narrow the previous matches as a
//     query is typed, and the Timeline searches one lower-cased index.
//     Their cost is measured in bench_test.go and keystroke_bench_test.go.
//   - Styles in one place. Every style is a field of Styles (styles.go);
//     no other file builds a lipgloss style. State is never colour alone.
//   - No package outside the domain. The screen imports app/api, the
//     domain types (integrations, runbooks, timeline/record and
//     timeline/ledger) and the Charm libraries: `go list -deps ./tui`
//     lists no adapter, no store and no SDK.
//
// # Adding a pane
//
// Give it a type holding its items and a listView, with the component
// methods (pane.go has the four there are), a pane constant and its name
// in layout.go, its feed in header.go's paneFeeds when sources fill it,
// its case in Model.component, and what it takes from a batch in apply.
// Its keys go in its bindings and in keyMap (keys.go), for the help.
// Give it a golden test of its own (render_test.go).
//
// # Adding a dialog
//
// Give it a type with update(tea.Msg) (intent, tea.Cmd), the intents it
// returns in dialog.go and the root's answer to them in act, and what it
// draws in the footer (view.go) or in the body. Open it with push; it
// closes through an intent, or by remove when the root withdraws it.
package tui
