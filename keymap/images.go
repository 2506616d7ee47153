package keymap

// Images pane bindings. Pivots follow the grammar (lowercase, the same
// letter in every pane): l logs by image ID (the DELETE's request IDs), i
// the servers booted from it, o its Ceph pool ("object store"; Ceph has no
// pane letter of its own in the grammar). Changes are uppercase; delete
// asks for the image's name typed.
func init() {
	Register(
		Binding{Action: "images.logs", Keys: []string{"l"}, Help: "logs mentioning this image ID (its requests)", Group: "images", Target: "logs"},
		Binding{Action: "images.instances", Keys: []string{"i"}, Help: "servers booted from this image", Group: "images", Target: "instances"},
		Binding{Action: "images.ceph", Keys: []string{"o"}, Help: "the Ceph pool behind the image store (images)", Group: "images"},
		Binding{Action: "images.toggle_active", Keys: []string{"A"}, Help: "deactivate / reactivate this image", Group: "images", Mutates: true},
		Binding{Action: "images.delete", Keys: []string{"D"}, Help: "delete this image (type its name)", Group: "images", Mutates: true, Destructive: true},
	)
}
