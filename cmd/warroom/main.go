// Command warroom is the terminal war-room for the engineer on call.
// This package parses the command line and wires the parts together;
// everything else lives in tui, integrations, runbooks and timeline.
package main

import (
	"fmt"
	"os"
)

func main() {
	err := rootCommand().Execute()
	code, hint := exitStatus(err)
	if err != nil {
		fmt.Fprintln(os.Stderr, "warroom:", err)
		if hint != "" {
			fmt.Fprintln(os.Stderr, "warroom:", hint)
		}
	}
	os.Exit(code)
}
