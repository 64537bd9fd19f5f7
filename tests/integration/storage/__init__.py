"""StorageService against a real SeaweedFS, served in-process."""
