/**
 * Async actions, by area. Each calls the worker and/or storage, then updates the store.
 * Components call these; they never talk to the worker themselves.
 */
export { dismissNotice, notify, refreshMemory, refreshStorage } from './base';
export { exportDataset, importFolder, importZip } from './datasetCommands';
export { loadModel, recoverFromWorkerCrashes, requestedBackend } from './model';
export {
  addClass,
  addFiles,
  clearSelection,
  deleteAllData,
  deleteClass,
  deleteSamples,
  keepStorage,
  moveClass,
  moveSamples,
  renameClass,
  setActiveClass,
  toggleSelected,
  undoDelete,
  validateClassName,
} from './project';
export { predict, stopTraining, train, updateSettings } from './training';
