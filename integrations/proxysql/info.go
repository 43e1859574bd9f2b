package proxysql

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it takes database replicas out of rotation and
// back; it feeds no pane.
func (p *Pool) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: Name, Acts: integrations.Actions{Replicas: p}}
}
