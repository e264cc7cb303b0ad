// The README's settings table against the config module (the shared spec: @tributary/schemas/testing).
import { describeReadmeSettings } from '@tributary/schemas/testing';
import { HELP, SETTING_NAMES } from './video-producer-config';

describeReadmeSettings(__dirname, HELP, SETTING_NAMES);
