/**
 * Async actions, by area. Each calls the worker and/or storage, then updates the store.
 * Components call these; they never talk to the worker themselves.
 */
export { dismissNotice, notify, refreshMemory, refreshStorage } from './base';
export { exportDataset, importFolder, importZip } from './datasetCommands';
export { loadModel, recoverFromWorkerCrashes, requestedBackend } from './model';
export { addClass, moveClass, renameClass, setActiveClass, validateClassName } from './classes';
export { deleteAllData, deleteClass, deleteSamples, undoDelete } from './deletion';
export { addFiles } from './ingest';
export { keepStorage } from './storage';
export { downloadProject, openProject } from './projectFile';
export { clearSelection, moveSamples, toggleSelected } from './samples';
export { predict, stopTraining, train, updateSettings } from './training';
