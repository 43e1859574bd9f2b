package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/team"
)

func serveCommand() *cobra.Command {
	var (
		o        team.ServerOptions
		authFile string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a team server, so several responders share one incident",
		Long: `serve runs an embedded NATS server with JetStream, keeping the team's timelines,
runbook locks, presence and roles in --data (synced to disk on every write).
It listens on loopback unless --listen says otherwise. With no --auth file it
accepts any client that reaches its address; with one, it admits only the users
the file names, and refuses every write of an observer.

For a highly available team, run three nodes, each with its own --name and
--cluster address and the others' --routes.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.DataDir == "" {
				return errors.New("serve needs --data DIR, where the team's state is kept")
			}
			if authFile != "" {
				a, err := team.LoadAuth(authFile)
				if err != nil {
					return err
				}
				o.Auth = a
			}
			if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
				return fmt.Errorf("team data directory: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ns, err := team.StartServer(o)
			if err != nil {
				return err
			}
			printServing(cmd.OutOrStdout(), o, ns.Addr().String(), authFile)
			<-ctx.Done()
			ns.Shutdown()
			ns.WaitForShutdown()
			fmt.Fprintln(cmd.OutOrStdout(), "team server stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", team.DefaultListen, "address for responders (host:port)")
	cmd.Flags().StringVar(&o.DataDir, "data", "", "directory for the team's state (required)")
	cmd.Flags().StringVar(&authFile, "auth", "", "users and their roles (responder, observer); an owner-only YAML file")
	cmd.Flags().StringVar(&o.Name, "name", "", "this node's unique name, in a cluster")
	cmd.Flags().StringVar(&o.Cluster, "cluster", "", "address the cluster nodes talk on (host:port)")
	cmd.Flags().StringSliceVar(&o.Routes, "routes", nil, "the other nodes' cluster addresses (nats://host:port, comma-separated)")
	return cmd
}

// printServing says where the server listens, who it admits and how to
// connect. It never prints a password.
func printServing(w io.Writer, o team.ServerOptions, addr, authFile string) {
	url := "nats://" + addr
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "0.0.0.0" || host == "::") {
		if name, err := os.Hostname(); err == nil {
			url = "nats://" + net.JoinHostPort(name, port)
		}
	}
	fmt.Fprintf(w, "warroom team server on %s, state in %s\n", addr, o.DataDir)
	if team.IsLoopback(addr) {
		fmt.Fprintln(w, "Listening on loopback only: responders on other machines cannot reach it (use --listen to change that).")
	}
	if o.Auth == nil {
		fmt.Fprintln(w, "No --auth file: it accepts ANY client that reaches this address, to read and write every incident.")
	} else {
		var responders, observers []string
		for _, u := range o.Auth.Users {
			who := u.User
			if who == "" {
				who = "nkey " + u.Nkey[:min(len(u.Nkey), 8)] + "…"
			}
			if u.Role == team.RoleObserver {
				observers = append(observers, who)
			} else {
				responders = append(responders, who)
			}
		}
		fmt.Fprintf(w, "Users from %s: responders (read and write) %s; observers (read only) %s.\n",
			authFile, listOrNone(responders), listOrNone(observers))
	}
	if o.Cluster != "" {
		fmt.Fprintf(w, "Cluster node %s on %s, routes %s.\n", o.Name, o.Cluster, strings.Join(o.Routes, ", "))
	}
	fmt.Fprintf(w, "Team URL: %s\n", url)
	fmt.Fprintf(w, "Each responder: warroom --team %s (or team.url in the configuration).\n", url)
	fmt.Fprintln(w, "Stop with Ctrl-C.")
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
