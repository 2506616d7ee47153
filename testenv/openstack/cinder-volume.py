#!/usr/bin/python3
"""cinder-volume for testenv: cinder.cmd.volume without the cinder-volume
package (which pulls in lvm2 and tgt). The backend is Cinder's fake logging
driver: the service starts and reports state, nothing touches disks."""
import sys

if __name__ == "__main__":
    from cinder.cmd import volume
    sys.argv[0] = "cinder-volume"
    sys.exit(volume.main())
