"""Pure rules of the StorageService: object keys and the errors the store raises."""
